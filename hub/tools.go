package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"golang.org/x/term"

	"lotse/hub/config"
	"lotse/hub/server"
	"lotse/hub/store"
	"lotse/internal/version"
)

// tools are the hub's subcommands for the installation's administrator;
// each runs and exits without starting a hub.
var tools = map[string]func(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error{
	"passwd":       passwd,
	"check-config": checkConfig,
	"backup":       backup,
	"restore":      restore,
}

// printVersion answers `hub -version`.
func printVersion(w io.Writer) error {
	_, err := fmt.Fprintf(w, "lotse hub %s (database schema %d)\n", version.String(), store.SchemaVersion())
	return err
}

// passwd reads a password and prints its bcrypt hash for a [[clerk]]'s
// password_hash. From a terminal it asks twice without echo; otherwise it
// reads the first line, so that scripts can pipe it in.
func passwd(_ context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("hub passwd", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: hub passwd < password\n\nPrints the bcrypt hash for password_hash in [[clerk]].")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("passwd: the password is read from standard input, never from the command line (it would stand in the shell's history)")
	}
	var password string
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		// The prompt goes to the terminal itself, as sudo's does:
		// standard output carries only the hash, for scripts.
		read := func(prompt string) (string, error) {
			if _, err := fmt.Fprint(f, prompt); err != nil {
				fmt.Fprint(os.Stderr, prompt)
			}
			b, err := term.ReadPassword(int(f.Fd()))
			if _, err := fmt.Fprint(f, "\n"); err != nil {
				fmt.Fprintln(os.Stderr)
			}
			return string(b), err
		}
		p, err := read("Password: ")
		if err != nil {
			return fmt.Errorf("passwd: %w", err)
		}
		again, err := read("Password again: ")
		if err != nil {
			return fmt.Errorf("passwd: %w", err)
		}
		if p != again {
			return errors.New("passwd: the two passwords differ")
		}
		password = p
	} else {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("passwd: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if password == "" {
		return errors.New("passwd: empty password")
	}
	hash, err := server.HashPassword(password)
	if err != nil {
		return fmt.Errorf("passwd: %w", err)
	}
	_, err = fmt.Fprintln(stdout, hash)
	return err
}

// lineOf finds the line an error names: the TOML parser's and the unknown
// key check's "line N", else the office, clerk or device the error names by
// its id.
var (
	lineRe  = regexp.MustCompile(`\bline (\d+)\b`)
	namedRe = regexp.MustCompile(`\b(office|clerk|device) "?([^\s:"]+)"?`)
)

func lineOf(src []byte, err error) string {
	msg := err.Error()
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	if m := namedRe.FindStringSubmatch(msg); m != nil {
		key := map[string]string{"office": "id", "clerk": "user", "device": "name"}[m[1]]
		idRe := regexp.MustCompile(`^\s*` + key + `\s*=\s*["']` + regexp.QuoteMeta(m[2]) + `["']`)
		for i, l := range strings.Split(string(src), "\n") {
			if idRe.MatchString(l) {
				return fmt.Sprint(i + 1)
			}
		}
	}
	return ""
}

// checkConfig validates an installation file as the hub would at start,
// credentials from the environment and files included, and starts
// nothing. A problem is printed as FILE:LINE: message.
func checkConfig(_ context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("hub check-config", flag.ContinueOnError)
	backendName := fs.String("backend", "", "booking backend of offices whose configuration names none (as hub -backend)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: hub check-config [-backend NAME] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("check-config: name one file")
	}
	path := fs.Arg(0)
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("check-config: %w", err)
	}
	inst, err := install(path, *backendName)
	if err != nil {
		// The config package prefixes its errors with the file; the
		// line goes after it, as compilers print it.
		msg := strings.TrimPrefix(err.Error(), "config "+path+": ")
		where := path
		if line := lineOf(src, err); line != "" {
			where += ":" + line
		}
		return fmt.Errorf("%s: %s", where, msg)
	}
	b := "none"
	if d := inst.file.Backup; d.Dir != "" {
		at, _ := d.Daily()
		b = fmt.Sprintf("daily into %s at %02d:%02d, the newest %d kept", d.Dir, int(at.Hours()), int(at.Minutes())%60, d.Kept())
	}
	_, err = fmt.Fprintf(stdout, "%s: ok: %d offices, %d clerk accounts, %d devices; backup: %s\n",
		path, len(inst.offices), len(inst.clerks), len(inst.devices), b)
	return err
}

// databaseFlags are -db and -config of backup and restore: the database
// is -db, else the configuration's [hub] db, else the hub's default.
func databaseFlags(fs *flag.FlagSet) func() (string, error) {
	db := fs.String("db", "", "the hub's SQLite database (default: [hub] db of -config, else data/lotse.db)")
	configPath := fs.String("config", "", "the installation's TOML file, for its [hub] db")
	return func() (string, error) {
		if *db != "" {
			return *db, nil
		}
		if *configPath != "" {
			f, err := config.Load(*configPath)
			if err != nil {
				return "", err
			}
			if f.Hub.DB != "" {
				return f.Hub.DB, nil
			}
		}
		return "data/lotse.db", nil
	}
}

// backup writes a consistent copy of the database, also while the hub
// runs and takes check-ins.
func backup(ctx context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("hub backup", flag.ContinueOnError)
	dbPath := databaseFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: hub backup [-db FILE | -config FILE] BACKUP\n\nWrites a consistent copy of the database to BACKUP, also while the hub runs.\nThe key file (lotse.keys) is not in it: keep a copy of it apart.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("backup: name the backup file")
	}
	src, err := dbPath()
	if err != nil {
		return err
	}
	dest := fs.Arg(0)
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s exists; name a new file", dest)
	}
	if err := store.Backup(ctx, src, dest); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "backup of %s written to %s\n", src, dest)
	return err
}

// restore puts a backup in place of the database of a stopped hub, after
// checking it.
func restore(ctx context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("hub restore", flag.ContinueOnError)
	dbPath := databaseFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: hub restore [-db FILE | -config FILE] BACKUP\n\nChecks BACKUP (integrity, not from a newer release) and puts it in place of the\ndatabase; stop the hub first. The replaced database stays as FILE.before-restore.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("restore: name the backup file")
	}
	dest, err := dbPath()
	if err != nil {
		return err
	}
	info, err := store.Restore(ctx, fs.Arg(0), dest)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "restored %s from %s (schema %d; the hub applies %d migrations at its next start)\n",
		dest, fs.Arg(0), info.SchemaVersion, info.Pending)
	return err
}
