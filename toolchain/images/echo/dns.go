package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Record is one answer record of a DNS reply.
type Record struct {
	Name string `json:"name"`
	Type string `json:"type"`
	TTL  uint32 `json:"ttl"`
	Data string `json:"data"`
}

// Resolution is what /resolve and `echo resolve` report.
type Resolution struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Proto     string   `json:"proto"`
	Server    string   `json:"server"`
	Addresses []string `json:"addresses,omitempty"`
	Records   []Record `json:"records"`
	Error     string   `json:"error,omitempty"`
}

var recordTypes = map[string]uint16{"A": 1, "CNAME": 5, "AAAA": 28, "SRV": 33}

func typeName(code uint16) string {
	for name, c := range recordTypes {
		if c == code {
			return name
		}
	}
	return "TYPE" + strconv.Itoa(int(code))
}

// Nameserver is the first nameserver of a resolv.conf, with port 53.
func Nameserver(resolvConf string) (string, error) {
	data, err := os.ReadFile(resolvConf)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && fields[0] == "nameserver" {
			return net.JoinHostPort(fields[1], "53"), nil
		}
	}
	return "", fmt.Errorf("%s names no nameserver", resolvConf)
}

// Resolve asks the pod's DNS server for one record type of an absolute name (raw query,
// so a CNAME is seen as a CNAME even when its target does not resolve) and, for
// addresses, also asks the system resolver, which applies the search domains.
func Resolve(ctx context.Context, name, typ, proto, server string) Resolution {
	typ = strings.ToUpper(typ)
	if typ == "" {
		typ = "A"
	}
	if proto == "" {
		proto = "udp"
	}
	out := Resolution{Name: name, Type: typ, Proto: proto, Server: server, Records: []Record{}}
	code, known := recordTypes[typ]
	switch {
	case name == "":
		out.Error = "name is empty"
	case !known:
		out.Error = fmt.Sprintf("type %q: want A, AAAA, CNAME or SRV", typ)
	case proto != "udp" && proto != "tcp":
		out.Error = fmt.Sprintf("proto %q: want udp or tcp", proto)
	}
	if out.Error != "" {
		return out
	}
	if out.Server == "" {
		var err error
		if out.Server, err = Nameserver("/etc/resolv.conf"); err != nil {
			out.Error = err.Error()
			return out
		}
	}
	if typ == "A" || typ == "AAAA" {
		resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, out.Server)
		}}
		if addrs, err := resolver.LookupHost(ctx, name); err == nil {
			out.Addresses = addrs
		}
	}
	records, err := Query(ctx, out.Server, proto, name, code)
	out.Records = append(out.Records, records...)
	if err != nil {
		out.Error = err.Error()
	}
	return out
}

// Query sends one DNS question to server over proto and returns the answer section.
func Query(ctx context.Context, server, proto, name string, qtype uint16) ([]Record, error) {
	id := uint16(rand.Uint32())
	msg, err := buildQuery(id, name, qtype)
	if err != nil {
		return nil, err
	}
	reply, err := exchange(ctx, server, proto, msg)
	if err != nil {
		return nil, err
	}
	return parseReply(reply, id)
}

func buildQuery(id uint16, name string, qtype uint16) ([]byte, error) {
	msg := make([]byte, 12, 512)
	binary.BigEndian.PutUint16(msg[0:], id)
	binary.BigEndian.PutUint16(msg[2:], 0x0100) // a standard query, recursion desired
	binary.BigEndian.PutUint16(msg[4:], 1)
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if label == "" || len(label) > 63 {
			return nil, fmt.Errorf("name %q: each label must be 1-63 characters", name)
		}
		msg = append(msg, byte(len(label)))
		msg = append(msg, label...)
	}
	msg = append(msg, 0, byte(qtype>>8), byte(qtype), 0, 1)
	return msg, nil
}

func exchange(ctx context.Context, server, proto string, msg []byte) ([]byte, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, proto, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(5 * time.Second)
	}
	_ = conn.SetDeadline(deadline)
	if proto == "tcp" {
		framed := binary.BigEndian.AppendUint16(nil, uint16(len(msg)))
		if _, err := conn.Write(append(framed, msg...)); err != nil {
			return nil, err
		}
		var size [2]byte
		if _, err := readFull(conn, size[:]); err != nil {
			return nil, err
		}
		reply := make([]byte, binary.BigEndian.Uint16(size[:]))
		_, err = readFull(conn, reply)
		return reply, err
	}
	if _, err := conn.Write(msg); err != nil {
		return nil, err
	}
	reply := make([]byte, 65535)
	n, err := conn.Read(reply)
	if err != nil {
		return nil, err
	}
	if n >= 4 && reply[2]&0x02 != 0 { // truncated: ask again over TCP
		return exchange(ctx, server, "tcp", msg)
	}
	return reply[:n], nil
}

func readFull(conn net.Conn, buf []byte) (int, error) {
	total := 0
	for total < len(buf) {
		n, err := conn.Read(buf[total:])
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

var rcodes = map[byte]string{1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}

func parseReply(msg []byte, id uint16) ([]Record, error) {
	if len(msg) < 12 {
		return nil, errors.New("reply shorter than a DNS header")
	}
	if binary.BigEndian.Uint16(msg) != id {
		return nil, errors.New("reply to another query")
	}
	if rcode := msg[3] & 0x0f; rcode != 0 {
		name, ok := rcodes[rcode]
		if !ok {
			name = "RCODE" + strconv.Itoa(int(rcode))
		}
		return nil, errors.New(name)
	}
	questions := int(binary.BigEndian.Uint16(msg[4:]))
	answers := int(binary.BigEndian.Uint16(msg[6:]))
	off := 12
	for range questions {
		_, next, err := readName(msg, off)
		if err != nil {
			return nil, err
		}
		off = next + 4
	}
	records := []Record{}
	for range answers {
		name, next, err := readName(msg, off)
		if err != nil {
			return nil, err
		}
		if next+10 > len(msg) {
			return nil, errors.New("answer record cut short")
		}
		rtype := binary.BigEndian.Uint16(msg[next:])
		ttl := binary.BigEndian.Uint32(msg[next+4:])
		size := int(binary.BigEndian.Uint16(msg[next+8:]))
		start := next + 10
		if start+size > len(msg) {
			return nil, errors.New("answer data cut short")
		}
		data, err := rdata(msg, rtype, start, size)
		if err != nil {
			return nil, err
		}
		records = append(records, Record{Name: name, Type: typeName(rtype), TTL: ttl, Data: data})
		off = start + size
	}
	return records, nil
}

func rdata(msg []byte, rtype uint16, start, size int) (string, error) {
	body := msg[start : start+size]
	switch rtype {
	case 1, 28:
		if len(body) != 4 && len(body) != 16 {
			return "", errors.New("address record of the wrong size")
		}
		return net.IP(body).String(), nil
	case 5:
		name, _, err := readName(msg, start)
		return name, err
	case 33:
		if len(body) < 7 {
			return "", errors.New("SRV record cut short")
		}
		target, _, err := readName(msg, start+6)
		return fmt.Sprintf("%d %d %d %s", binary.BigEndian.Uint16(body), binary.BigEndian.Uint16(body[2:]),
			binary.BigEndian.Uint16(body[4:]), target), err
	}
	return fmt.Sprintf("%x", body), nil
}

// readName decodes a (possibly compressed) name at off; it returns the offset after it.
func readName(msg []byte, off int) (string, int, error) {
	var labels []string
	end := -1
	for jumps := 0; ; {
		if off >= len(msg) {
			return "", 0, errors.New("name runs past the message")
		}
		length := int(msg[off])
		switch {
		case length == 0:
			if end < 0 {
				end = off + 1
			}
			return strings.Join(labels, ".") + ".", end, nil
		case length&0xc0 == 0xc0:
			if off+1 >= len(msg) || jumps > 64 {
				return "", 0, errors.New("bad name compression")
			}
			if end < 0 {
				end = off + 2
			}
			off = int(binary.BigEndian.Uint16(msg[off:]) & 0x3fff)
			jumps++
		default:
			if off+1+length > len(msg) {
				return "", 0, errors.New("label runs past the message")
			}
			labels = append(labels, string(msg[off+1:off+1+length]))
			off += 1 + length
		}
	}
}
