package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// ftpSource fetches over anonymous FTP (the TEXMEX server): binary mode,
// passive data connections (EPSV, else PASV), SIZE for the total and REST
// to resume. A cancelled context closes both connections, which is how the
// stall watchdog and an interrupt stop a transfer.
type ftpSource struct{}

func (ftpSource) open(ctx context.Context, u string, off int64, _ string) (io.ReadCloser, int64, int64, string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return nil, 0, 0, "", err
	}
	host := p.Host
	if p.Port() == "" {
		host = net.JoinHostPort(p.Hostname(), "21")
	}
	var d net.Dialer
	d.Timeout = dialTimeout
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, 0, 0, "", err
	}
	c := &ftpConn{conn: conn, text: textproto.NewConn(conn)}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	ok := false
	defer func() {
		if !ok {
			stop()
			c.text.Close()
		}
	}()
	user, pass := "anonymous", "milvbench@"
	if p.User != nil {
		user = p.User.Username()
		if pw, set := p.User.Password(); set {
			pass = pw
		}
	}
	if _, _, err := c.text.ReadResponse(220); err != nil {
		return nil, 0, 0, "", ftpErr(u, err)
	}
	code, _, err := c.cmd(0, "USER %s", user)
	if err != nil {
		return nil, 0, 0, "", ftpErr(u, err)
	}
	if code == 331 {
		if _, _, err := c.cmd(230, "PASS %s", pass); err != nil {
			return nil, 0, 0, "", ftpErr(u, err)
		}
	} else if code != 230 {
		return nil, 0, 0, "", fmt.Errorf("%s: the FTP server refused the login (%d)", u, code)
	}
	if _, _, err := c.cmd(200, "TYPE I"); err != nil {
		return nil, 0, 0, "", ftpErr(u, err)
	}
	file := p.Path
	total := int64(-1)
	if _, msg, err := c.cmd(213, "SIZE %s", file); err == nil {
		if n, perr := strconv.ParseInt(strings.TrimSpace(msg), 10, 64); perr == nil {
			total = n
		}
	} else if isNotFound(err) {
		return nil, 0, 0, "", fmt.Errorf("%s: no such file on the FTP server (%v)", u, err)
	}
	if total >= 0 && off == total {
		ok = true
		stop()
		c.text.Close()
		return io.NopCloser(strings.NewReader("")), off, total, "", nil
	}
	data, err := c.passive(ctx, conn)
	if err != nil {
		return nil, 0, 0, "", ftpErr(u, err)
	}
	start := int64(0)
	if off > 0 {
		if _, _, err := c.cmd(350, "REST %d", off); err == nil {
			start = off
		}
	}
	if _, _, err := c.cmd(0, "RETR %s", file); err != nil {
		data.Close()
		return nil, 0, 0, "", ftpErr(u, err)
	}
	ok = true
	return &ftpBody{c: c, data: data, stop: stop, u: u}, start, total, "", nil
}

type ftpConn struct {
	conn net.Conn
	text *textproto.Conn
}

// cmd sends a command and reads the reply: one with code want (its first
// digit, when want < 10), or with want 0 any reply below 400.
func (c *ftpConn) cmd(want int, format string, args ...any) (int, string, error) {
	id, err := c.text.Cmd(format, args...)
	if err != nil {
		return 0, "", err
	}
	c.text.StartResponse(id)
	defer c.text.EndResponse(id)
	if want == 0 {
		code, msg, err := c.text.ReadResponse(0)
		if err == nil && code >= 400 {
			err = &textproto.Error{Code: code, Msg: msg}
		}
		return code, msg, err
	}
	return c.text.ReadResponse(want)
}

// passive opens the data connection: EPSV (the control connection's host
// and the port it names), else PASV (its port; the address it names is
// ignored, as behind NAT it is often wrong).
func (c *ftpConn) passive(ctx context.Context, ctrl net.Conn) (net.Conn, error) {
	host, _, _ := net.SplitHostPort(ctrl.RemoteAddr().String())
	var port int
	if _, msg, err := c.cmd(229, "EPSV"); err == nil {
		// 229 Entering Extended Passive Mode (|||port|)
		i, j := strings.Index(msg, "(|||"), strings.LastIndex(msg, "|)")
		if i < 0 || j < i+4 {
			return nil, fmt.Errorf("unreadable EPSV reply %q", msg)
		}
		if port, err = strconv.Atoi(msg[i+4 : j]); err != nil {
			return nil, fmt.Errorf("unreadable EPSV reply %q", msg)
		}
	} else {
		_, msg, err := c.cmd(227, "PASV")
		if err != nil {
			return nil, err
		}
		// 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)
		i, j := strings.Index(msg, "("), strings.Index(msg, ")")
		if i < 0 || j < i {
			return nil, fmt.Errorf("unreadable PASV reply %q", msg)
		}
		parts := strings.Split(msg[i+1:j], ",")
		if len(parts) != 6 {
			return nil, fmt.Errorf("unreadable PASV reply %q", msg)
		}
		p1, err1 := strconv.Atoi(strings.TrimSpace(parts[4]))
		p2, err2 := strconv.Atoi(strings.TrimSpace(parts[5]))
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("unreadable PASV reply %q", msg)
		}
		port = p1<<8 | p2
	}
	var d net.Dialer
	d.Timeout = dialTimeout
	data, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	context.AfterFunc(ctx, func() { data.Close() })
	return data, nil
}

// ftpBody is a RETR's data; closing it reads the transfer's final reply.
type ftpBody struct {
	c    *ftpConn
	data net.Conn
	stop func() bool
	u    string
	eof  bool
}

func (b *ftpBody) Read(p []byte) (int, error) {
	n, err := b.data.Read(p)
	if errors.Is(err, io.EOF) {
		b.eof = true
		// The transfer is complete only when the server says so (226).
		if _, _, rerr := b.c.text.ReadResponse(2); rerr != nil {
			return n, fmt.Errorf("the FTP transfer did not complete: %v", rerr)
		}
	}
	return n, err
}

func (b *ftpBody) Close() error {
	b.data.Close()
	if b.eof {
		_, _ = b.c.text.Cmd("QUIT")
	}
	b.stop()
	return b.c.text.Close()
}

func ftpErr(u string, err error) error { return fmt.Errorf("%s: FTP: %w", u, err) }

func isNotFound(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code == 550
}
