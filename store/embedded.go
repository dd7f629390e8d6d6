package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// ErrDataDirInUse matches (with errors.Is) the error StartEmbedded returns
// when another process holds the data directory's lock.
var ErrDataDirInUse = errors.New("data directory is in use")

// DataDirInUseError tells which data directory is locked and by whom.
type DataDirInUseError struct {
	Dir string
	// PID is the lock holder's process id as written in the lock file; it is
	// empty when the file could not be read.
	PID string
}

// Error names the directory and the process holding it.
func (e *DataDirInUseError) Error() string {
	pid := e.PID
	if pid == "" {
		pid = "unknown"
	}
	return fmt.Sprintf("data directory %s is in use by another fieldvisit process (pid %s)", e.Dir, pid)
}

// Is makes errors.Is(err, ErrDataDirInUse) true.
func (e *DataDirInUseError) Is(target error) bool { return target == ErrDataDirInUse }

// Embedded is a FerretDB server (SQLite backend) running inside this process
// on a loopback port, with its data in one directory that it holds locked.
type Embedded struct {
	uri    string
	dir    string // the data directory, absolute
	cancel context.CancelFunc
	done   chan struct{} // closed when FerretDB's Run has returned
	lock   *os.File
	once   sync.Once
}

// ferretdbNewMu serialises ferretdb.New, which writes a package variable of
// FerretDB's (the build's package name) on every call: two servers started
// at once in one process, as parallel tests do, would race on it. It is the
// only package-level state here, and it guards someone else's.
var ferretdbNewMu sync.Mutex

// lockFileName is the lock file inside the data directory.
const lockFileName = "LOCK"

// readyTimeout bounds how long StartEmbedded waits for the server to answer.
const readyTimeout = 15 * time.Second

// StartEmbedded starts FerretDB on 127.0.0.1 with a free port, keeping its
// data in dir (created if needed). It locks dir first, so a second process
// on the same directory fails fast instead of corrupting the SQLite files,
// and returns only once the server answers a ping. Close stops it.
func StartEmbedded(ctx context.Context, dir string) (*Embedded, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve data directory %s: %w", dir, err)
	}
	// FerretDB hands the directory to SQLite inside a URI, unescaped: SQLite
	// would cut the path at ? or # and decode %, and put the files elsewhere.
	if strings.ContainsAny(abs, "?#%") {
		return nil, fmt.Errorf("data directory %s: the embedded database cannot use a path containing ?, # or %%", dir)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	lock, err := lockDataDir(dir)
	if err != nil {
		return nil, err
	}

	ferretdbNewMu.Lock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		// FerretDB logs every wire message at debug level and chats at info;
		// the service has nothing to learn from either.
		Logger:    slog.New(slog.DiscardHandler),
		Handler:   "sqlite",
		SQLiteURL: "file:" + (&url.URL{Path: abs}).EscapedPath() + "/",
	})
	ferretdbNewMu.Unlock()
	if err != nil {
		unlockDataDir(lock)
		return nil, fmt.Errorf("start embedded database in %s: %w", dir, err)
	}

	// Run must not depend on the caller's ctx: the server lives until Close.
	runCtx, cancel := context.WithCancel(context.Background())
	e := &Embedded{cancel: cancel, done: make(chan struct{}), lock: lock, dir: abs}
	go func() {
		defer close(e.done)
		_ = f.Run(runCtx) // always nil: it returns when runCtx is cancelled
	}()
	e.uri = f.MongoDBURI()

	readyCtx, cancelReady := context.WithTimeout(ctx, readyTimeout)
	defer cancelReady()
	client, err := Connect(readyCtx, e.uri, true)
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("wait for embedded database in %s: %w", dir, err)
	}
	if err := client.Disconnect(readyCtx); err != nil {
		e.Close()
		return nil, fmt.Errorf("wait for embedded database in %s: disconnect probe: %w", dir, err)
	}
	return e, nil
}

// URI is the mongodb:// address of the server.
func (e *Embedded) URI() string { return e.uri }

// Close stops the server, waits until it has shut down and releases the data
// directory. Disconnect clients first: FerretDB gives connected clients a
// grace period of a few seconds before it closes their connections. Close is
// safe to call more than once.
func (e *Embedded) Close() {
	e.once.Do(func() {
		e.cancel()
		<-e.done
		unlockDataDir(e.lock)
	})
}

// lockDataDir takes an exclusive, non-blocking flock on dir/LOCK and writes
// this process's id into it. The kernel drops the lock when the process dies,
// so a crash never leaves a stale lock behind.
func lockDataDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid := ""
		if b, readErr := os.ReadFile(path); readErr == nil {
			pid = strings.TrimSpace(string(b))
		}
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &DataDirInUseError{Dir: dir, PID: pid}
		}
		return nil, fmt.Errorf("lock data directory %s: %w", dir, err)
	}
	if err := f.Truncate(0); err != nil {
		unlockDataDir(f)
		return nil, fmt.Errorf("write lock file %s: %w", path, err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		unlockDataDir(f)
		return nil, fmt.Errorf("write lock file %s: %w", path, err)
	}
	return f, nil
}

// unlockDataDir releases the lock. The lock file itself stays: removing it
// would race with another process that has just opened it.
func unlockDataDir(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	_ = f.Close()
}
