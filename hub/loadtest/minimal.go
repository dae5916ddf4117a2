package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// callEventBytes is about the size of a called event on the stream (a
// ticket, its counter and the waiting lines of six services).
const callEventBytes = 750

// minimal is the yardstick of the performance budget: a server that does
// only the unavoidable work, with no queue logic. POST /commit commits one
// row in its own transaction; POST /call commits one row and writes the
// event to every stream client before it answers.
type minimal struct {
	db      *sql.DB
	srv     *http.Server
	url     string
	mu      sync.Mutex
	conns   []*websocket.Conn
	seq     int64
	seqLock sync.Mutex
	// body pads each event to the size of a real call event: the cost of
	// a broadcast grows with its bytes, and the yardstick must carry the
	// same event, not a smaller one.
	body string
}

func startMinimal(dir string) (*minimal, error) {
	sub, err := os.MkdirTemp(dir, "minimal-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(sub, "minimal.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_busy_timeout=5000&_synchronous=FULL&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE events (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL)"); err != nil {
		return nil, err
	}
	m := &minimal{db: db, body: strings.Repeat("x", callEventBytes)}
	mux := http.NewServeMux()
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		m.mu.Lock()
		m.conns = append(m.conns, c)
		m.mu.Unlock()
	})
	commit := func() (int64, []byte, error) {
		m.seqLock.Lock()
		m.seq++
		seq := m.seq
		m.seqLock.Unlock()
		payload, _ := json.Marshal(map[string]any{"type": "called", "seq": seq, "at": time.Now(), "body": m.body})
		_, err := m.db.Exec("INSERT INTO events (seq, payload) VALUES (?, ?)", seq, string(payload))
		return seq, payload, err
	}
	mux.HandleFunc("POST /commit", func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := commit(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"ok":true}`)
	})
	mux.HandleFunc("POST /call", func(w http.ResponseWriter, r *http.Request) {
		_, payload, err := commit()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, payload)
		m.mu.Lock()
		for _, c := range m.conns {
			c.WritePreparedMessage(pm)
		}
		m.mu.Unlock()
		fmt.Fprint(w, `{"ok":true}`)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m.url = "http://" + ln.Addr().String()
	m.srv = &http.Server{Handler: mux}
	go m.srv.Serve(ln)
	return m, nil
}

func (m *minimal) lastSeq() int64 {
	m.seqLock.Lock()
	defer m.seqLock.Unlock()
	return m.seq
}

func (m *minimal) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	m.srv.Shutdown(ctx)
	m.mu.Lock()
	for _, c := range m.conns {
		c.Close()
	}
	m.mu.Unlock()
	m.db.Close()
}
