// The test images' programs. Standard library only: nothing to pin, no go.sum.
module berth.local/images

go 1.26
