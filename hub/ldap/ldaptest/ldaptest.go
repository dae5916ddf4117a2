// Package ldaptest runs a real OpenLDAP server (slapd from Debian) for
// tests: on a free loopback port, with a configuration and a directory
// made in a temporary folder from an LDIF. Where slapd is not installed,
// the test is skipped with the reason (make sysdeps installs it).
package ldaptest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Suffix is the base of the directory's tree, and Admin and AdminPassword
// its root account.
const (
	Suffix        = "dc=stadt,dc=test"
	Admin         = "cn=admin," + Suffix
	AdminPassword = "admin-secret"
)

// Server is a running slapd.
type Server struct {
	// URL is ldap://127.0.0.1:PORT.
	URL    string
	cmd    *exec.Cmd
	out    *bytes.Buffer
	exited chan struct{}
}

// paths where Debian installs slapd, which is not on a normal user's PATH.
var sbin = []string{"/usr/sbin", "/usr/local/sbin", "/sbin"}

func find(name string) (string, bool) {
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	for _, d := range sbin {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	return "", false
}

// config is slapd.conf: the standard schemas, an mdb database under
// Suffix and the memberof overlay, so that accounts list their groups as
// Active Directory's do.
const config = `include {{schema}}/core.schema
include {{schema}}/cosine.schema
include {{schema}}/inetorgperson.schema
modulepath {{modules}}
moduleload back_mdb
moduleload memberof
pidfile {{dir}}/slapd.pid
database mdb
maxsize 16777216
suffix "` + Suffix + `"
rootdn "` + Admin + `"
rootpw ` + AdminPassword + `
directory {{dir}}/db
overlay memberof
`

// Start loads ldif (entries below Suffix; the suffix's own entry is made
// here) into a new directory and starts slapd on it. The server stops
// when the test ends, or earlier with Stop.
func Start(t testing.TB, ldif string) *Server {
	t.Helper()
	slapd, ok := find("slapd")
	slapadd, ok2 := find("slapadd")
	if !ok || !ok2 {
		t.Skip("SKIP: slapd is not installed, so the login through a real OpenLDAP server is not tested; install the Debian packages slapd and ldap-utils (make sysdeps does)")
	}
	modules := "/usr/lib/ldap"
	if m, err := filepath.Glob("/usr/lib/*/ldap/back_mdb.so"); err == nil && len(m) > 0 {
		modules = filepath.Dir(m[0])
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := strings.NewReplacer("{{schema}}", "/etc/ldap/schema", "{{modules}}", modules, "{{dir}}", dir).Replace(config)
	confPath := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	root := "dn: " + Suffix + "\nobjectClass: dcObject\nobjectClass: organization\no: Stadt\ndc: stadt\n\n"
	ldifPath := filepath.Join(dir, "data.ldif")
	if err := os.WriteFile(ldifPath, []byte(root+strings.TrimSpace(ldif)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(slapadd, "-f", confPath, "-l", ldifPath).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v\n%s", err, out)
	}

	s := &Server{}
	// A port found free may be taken before slapd binds it: try a few.
	for try := 0; try < 3; try++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		s.URL = fmt.Sprintf("ldap://127.0.0.1:%d", port)
		s.out = &bytes.Buffer{}
		// -d 0 keeps slapd in the foreground, so that the test owns the
		// process and stops it.
		s.cmd = exec.Command(slapd, "-d", "0", "-h", s.URL+"/", "-f", confPath)
		s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("slapd: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(exited) }()
		if s.ready(fmt.Sprintf("127.0.0.1:%d", port), exited) {
			s.exited = exited
			t.Cleanup(s.Stop)
			return s
		}
		s.kill(exited)
	}
	t.Fatalf("slapd did not start:\n%s", s.out)
	return nil
}

// ready waits until slapd accepts connections, or has exited; a bound on
// a process's start, not on a test's timing.
func (s *Server) ready(addr string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return true
		}
		select {
		case <-exited:
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

func (s *Server) kill(exited <-chan struct{}) {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
	}
	<-exited
}

// Stop ends slapd and waits until it is gone: the directory is down.
func (s *Server) Stop() {
	if s.exited == nil {
		return
	}
	s.kill(s.exited)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
