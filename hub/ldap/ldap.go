// Package ldap checks clerks' passwords against the city's directory, an
// OpenLDAP server or Active Directory, with github.com/go-ldap/ldap/v3,
// and reads the groups the account belongs to. Which group grants which
// role in which office is the server's business, not this package's.
package ldap

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Config says how to reach the directory and find an account in it.
type Config struct {
	// URL is ldap://host:389 or ldaps://host:636.
	URL string
	// StartTLS upgrades an ldap:// connection before any password is sent.
	StartTLS bool
	// InsecureSkipVerify accepts any server certificate; for tests only.
	InsecureSkipVerify bool

	// UserDN is a template for binding directly as the user, with %s for
	// the escaped user name, e.g. "uid=%s,ou=people,dc=stadt,dc=de" or,
	// for Active Directory, "%s@stadt.local". Used when BindDN is empty.
	UserDN string

	// BindDN and BindPassword are a service account that searches the
	// user's DN below BaseDN with UserFilter (%s: the escaped user name),
	// e.g. "(sAMAccountName=%s)" in Active Directory.
	BindDN       string
	BindPassword string
	BaseDN       string
	UserFilter   string

	// GroupAttr is the user entry's attribute that lists its groups;
	// default "memberOf" (Active Directory, OpenLDAP with the memberof
	// overlay).
	GroupAttr string
	// GroupBaseDN and GroupFilter search the groups instead, for a
	// directory without memberOf: GroupFilter gets the user's escaped DN
	// for %s, e.g. "(member=%s)". Used when GroupBaseDN is set.
	GroupBaseDN string
	GroupFilter string

	// Timeout bounds connecting and each operation; default 5 s.
	Timeout time.Duration
}

// Directory is the city's directory.
type Directory struct {
	cfg Config
}

// New checks the configuration and returns the directory. It does not
// connect: a directory that is down at the hub's start must not stop the
// hub, whose local accounts and running sessions work without it.
func New(cfg Config) (*Directory, error) {
	switch {
	case cfg.URL == "":
		return nil, errors.New("ldap: url missing")
	case cfg.BindDN == "" && cfg.UserDN == "":
		return nil, errors.New("ldap: either user_dn (bind as the user) or bind_dn with base_dn (search the user) is needed")
	case cfg.BindDN != "" && cfg.BaseDN == "":
		return nil, errors.New("ldap: bind_dn needs base_dn to search the user below")
	case cfg.UserDN != "" && strings.Count(cfg.UserDN, "%s") != 1:
		return nil, fmt.Errorf("ldap: user_dn %q must hold %%s once, for the user name", cfg.UserDN)
	}
	if cfg.UserFilter == "" {
		cfg.UserFilter = "(uid=%s)"
	}
	if cfg.GroupAttr == "" {
		cfg.GroupAttr = "memberOf"
	}
	if cfg.GroupFilter == "" {
		cfg.GroupFilter = "(member=%s)"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	return &Directory{cfg: cfg}, nil
}

// Authenticate binds as user with password. ok is false when the
// directory refused the name or the password; err is set only when the
// directory could not answer (down, unreachable, misconfigured), so that
// the login page can tell a clerk's typo from the city's outage. groups
// are the DNs of the account's groups.
func (d *Directory) Authenticate(ctx context.Context, user, password string) (groups []string, ok bool, err error) {
	if user == "" || password == "" {
		// An empty password is an unauthenticated bind, which many
		// directories accept: it must never count as a login.
		return nil, false, nil
	}
	conn, err := d.dial(ctx)
	if err != nil {
		return nil, false, err
	}
	defer conn.Close()

	dn := ""
	var entry *goldap.Entry
	if d.cfg.BindDN != "" {
		if err := conn.Bind(d.cfg.BindDN, d.cfg.BindPassword); err != nil {
			return nil, false, fmt.Errorf("ldap: bind as the service account: %w", err)
		}
		res, err := conn.Search(goldap.NewSearchRequest(d.cfg.BaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
			2, d.seconds(), false, fmt.Sprintf(d.cfg.UserFilter, goldap.EscapeFilter(user)), []string{d.cfg.GroupAttr}, nil))
		if err != nil && !goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded) {
			return nil, false, fmt.Errorf("ldap: search the user: %w", err)
		}
		if res == nil || len(res.Entries) != 1 {
			// None, or an ambiguous name: neither may log in.
			return nil, false, nil
		}
		entry = res.Entries[0]
		dn = entry.DN
	} else {
		dn = fmt.Sprintf(d.cfg.UserDN, escapeDN(user))
	}

	if err := conn.Bind(dn, password); err != nil {
		if goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials) || goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("ldap: bind as the user: %w", err)
	}

	if d.cfg.GroupBaseDN != "" {
		res, err := conn.Search(goldap.NewSearchRequest(d.cfg.GroupBaseDN, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
			0, d.seconds(), false, fmt.Sprintf(d.cfg.GroupFilter, goldap.EscapeFilter(dn)), []string{"dn"}, nil))
		if err != nil {
			return nil, false, fmt.Errorf("ldap: search the groups: %w", err)
		}
		for _, e := range res.Entries {
			groups = append(groups, e.DN)
		}
		return groups, true, nil
	}
	if entry == nil {
		// Bound by template: read the own entry for its groups.
		res, err := conn.Search(goldap.NewSearchRequest(dn, goldap.ScopeBaseObject, goldap.NeverDerefAliases,
			1, d.seconds(), false, "(objectClass=*)", []string{d.cfg.GroupAttr}, nil))
		if err != nil {
			if goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject) {
				// Active Directory's user@domain binds name no entry;
				// such setups need bind_dn and a search.
				return nil, true, nil
			}
			return nil, false, fmt.Errorf("ldap: read the user's groups: %w", err)
		}
		if len(res.Entries) == 0 {
			return nil, true, nil
		}
		entry = res.Entries[0]
	}
	return entry.GetAttributeValues(d.cfg.GroupAttr), true, nil
}

func (d *Directory) seconds() int {
	return max(1, int(d.cfg.Timeout/time.Second))
}

func (d *Directory) dial(ctx context.Context) (*goldap.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ldap: %w", err)
	}
	tlsConf := &tls.Config{InsecureSkipVerify: d.cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // a test switch, off by default
	conn, err := goldap.DialURL(d.cfg.URL, goldap.DialWithDialer(&net.Dialer{Timeout: d.cfg.Timeout}), goldap.DialWithTLSConfig(tlsConf))
	if err != nil {
		return nil, fmt.Errorf("ldap: connect to %s: %w", redact(d.cfg.URL), err)
	}
	conn.SetTimeout(d.cfg.Timeout)
	if d.cfg.StartTLS {
		if err := conn.StartTLS(tlsConf); err != nil {
			conn.Close()
			return nil, fmt.Errorf("ldap: StartTLS with %s: %w", redact(d.cfg.URL), err)
		}
	}
	return conn, nil
}

// escapeDN escapes a user name for a DN attribute value (RFC 4514), so
// that "a,ou=admins" cannot step into another branch of the tree.
func escapeDN(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case strings.ContainsRune(`,+"\<>;=`, r),
			(r == ' ' || r == '#') && i == 0,
			r == ' ' && i == len(s)-1:
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, "\\%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// redact drops credentials that a URL may carry from error messages.
func redact(u string) string {
	if i := strings.Index(u, "@"); i >= 0 {
		if j := strings.Index(u, "://"); j >= 0 && j < i {
			return u[:j+3] + "…" + u[i:]
		}
	}
	return u
}
