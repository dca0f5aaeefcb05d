// Package childproc builds the imageshare binary once per test process and
// runs it as a child, for tests that must SIGKILL a real server.
package childproc

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary returns the path of a freshly built imageshare binary.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "imageshare-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "imageshare")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/imageshare/imageshare/cmd/imageshare").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("childproc: %v", buildErr)
	}
	return binPath
}

// Server is a running imageshare child process.
type Server struct {
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	logs *strings.Builder
	mu   sync.Mutex
}

// Start runs `imageshare serve --listen 127.0.0.1:0 ARGS...` and waits
// until it prints the address it listens on.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin := Binary(t)
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "IMAGESHARE_LISTEN=", "IMAGESHARE_DB=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cmd: cmd, done: make(chan struct{}), logs: &strings.Builder{}}
	cmd.Stderr = writerFunc(func(p []byte) (int, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.logs.Len() < 1<<20 {
			s.logs.Write(p)
		}
		return len(p), nil
	})
	if err := cmd.Start(); err != nil {
		t.Fatalf("childproc: start: %v", err)
	}
	go func() { _ = cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Kill)

	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(line, "imageshare listening on "); ok {
				urls <- strings.Fields(rest)[0]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case s.URL = <-urls:
		return s
	case <-s.done:
		t.Fatalf("childproc: server exited before listening: %s", s.Logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("childproc: server did not start in 30s: %s", s.Logs())
	}
	return nil
}

// PID is the child's process id (for reading /proc/PID/status).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Logs returns what the child wrote to stderr.
func (s *Server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// Kill sends SIGKILL and waits for the process to be gone.
func (s *Server) Kill() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// Stop sends SIGTERM and waits up to timeout for a clean exit.
func (s *Server) Stop(ctx context.Context) error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		if st := s.cmd.ProcessState; st != nil && !st.Success() {
			return fmt.Errorf("exit status %v: %s", st, s.Logs())
		}
		return nil
	case <-ctx.Done():
		s.Kill()
		return ctx.Err()
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
