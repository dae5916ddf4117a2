package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// bases is Base as a list: the hubs in the order the installation names
// them, the primary first.
func (c *Client) bases() []string {
	var out []string
	for _, b := range strings.Split(c.Base, ",") {
		if b = strings.TrimRight(strings.TrimSpace(b), "/"); b != "" {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		return []string{""}
	}
	return out
}

// base is the hub in use.
func (c *Client) base() string {
	b := c.bases()
	return b[int(c.current.Load())%len(b)]
}

// failover runs call against the hub in use and, while a hub cannot be
// reached at all, against the next of the list; the one that answered
// stays in use. Only a failed connect moves on: then the request never
// reached a hub, so repeating it elsewhere cannot do it twice. Any answer,
// an error status included, is the hub's word and is returned as is.
//
// The client does not go back to the primary while the standby answers:
// once the standby runs on the primary's replica, the primary's database
// is the stale one.
func (c *Client) failover(ctx context.Context, call func(base string) error) error {
	bases := c.bases()
	start := int(c.current.Load()) % len(bases)
	var err error
	for i := range bases {
		n := (start + i) % len(bases)
		err = call(bases[n])
		if err == nil {
			if n != start {
				c.current.Store(int32(n))
			}
			return nil
		}
		if !unreachable(err) {
			return err
		}
		// The next call starts with the next hub, also when this one
		// has no time left to try it.
		c.current.Store(int32((n + 1) % len(bases)))
		if ctx.Err() != nil {
			return err
		}
	}
	return err
}

// connectTimeout bounds a connect to one hub, so that a hub whose machine
// is gone (no answer at all, not even a refusal) leaves time in the
// caller's deadline to try the next.
const connectTimeout = 2 * time.Second

var dialer = &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}

// unreachable says whether err is a failed connect: refused, no route,
// unknown host, or a connect that timed out.
func unreachable(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// ParseHubs checks a hub setting (-hub, hub = "…"): one base URL or a
// comma-separated list, the primary first, each http or https with a host.
// It returns the URLs as the client uses them.
func ParseHubs(s string) ([]string, error) {
	var out []string
	for _, b := range strings.Split(s, ",") {
		b = strings.TrimRight(strings.TrimSpace(b), "/")
		u, err := url.Parse(b)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("hub URL %q: want http(s)://host[:port], several separated by commas (the primary first)", b)
		}
		out = append(out, b)
	}
	return out, nil
}
