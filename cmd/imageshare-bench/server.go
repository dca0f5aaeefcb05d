package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// buildServer builds the imageshare binary into dir, as an operator would
// run it (no race detector, default flags), in the server's own module
// (the replace target of this module's go.mod): its go.sum, not this
// module's, lists the server's dependencies.
func buildServer(ctx context.Context, dir string) (string, error) {
	bin, err := filepath.Abs(filepath.Join(dir, "imageshare"))
	if err != nil {
		return "", err
	}
	root, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/imageshare/imageshare").Output()
	if err != nil {
		return "", fmt.Errorf("go list -m github.com/imageshare/imageshare: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/imageshare")
	cmd.Dir = strings.TrimSpace(string(root))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build imageshare: %v\n%s", err, out)
	}
	return bin, nil
}

// process is a server the benchmark started as a child process.
type process struct {
	cmd  *exec.Cmd
	URL  string // http://127.0.0.1:PORT
	Addr string // 127.0.0.1:PORT
	// AdminURL is the admin listener's base URL, when the server was
	// started with one (for profiles).
	AdminURL string
	done     chan struct{}
	logFile  *os.File

	// ListeningAfter is the time from exec to the "listening" line,
	// ReadyAfter to the first 200 from the readiness URL.
	ListeningAfter time.Duration
	ReadyAfter     time.Duration
}

// startProcess runs bin with args, waits for the line "<prefix> URL ..." on
// its standard output, then polls URL+readyPath until it answers 200. Its
// standard error goes to logPath.
//
// With adminPrefix set, it also waits for the line "<adminPrefix> URL",
// the admin listener's address.
func startProcess(ctx context.Context, bin string, args []string, prefix, readyPath, logPath string, adminPrefix ...string) (*process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "IMAGESHARE_LISTEN=", "IMAGESHARE_DB=")
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	p := &process{cmd: cmd, done: make(chan struct{}), logFile: logFile}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	go func() { _ = cmd.Wait(); close(p.done) }()

	urls, adminURLs := make(chan string, 1), make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), prefix+" "); ok {
				select {
				case urls <- strings.Fields(rest)[0]:
				default:
				}
			}
			if len(adminPrefix) > 0 {
				if rest, ok := strings.CutPrefix(sc.Text(), adminPrefix[0]+" "); ok {
					select {
					case adminURLs <- strings.Fields(rest)[0]:
					default:
					}
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case p.URL = <-urls:
		p.ListeningAfter = time.Since(began)
	case <-p.done:
		return nil, fmt.Errorf("%s exited before listening; see %s", filepath.Base(bin), logPath)
	case <-time.After(5 * time.Minute):
		p.Kill()
		return nil, fmt.Errorf("%s did not listen within 5 minutes; see %s", filepath.Base(bin), logPath)
	case <-ctx.Done():
		p.Kill()
		return nil, ctx.Err()
	}
	p.Addr = strings.TrimPrefix(p.URL, "http://")
	if len(adminPrefix) > 0 {
		select {
		case p.AdminURL = <-adminURLs:
		case <-p.done:
			return nil, fmt.Errorf("%s exited before naming its admin listener; see %s", filepath.Base(bin), logPath)
		case <-time.After(time.Minute):
			p.Kill()
			return nil, fmt.Errorf("%s did not name its admin listener; see %s", filepath.Base(bin), logPath)
		}
	}
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(p.URL + readyPath)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.ReadyAfter = time.Since(began)
				return p, nil
			}
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited before it was ready; see %s", filepath.Base(bin), logPath)
		case <-ctx.Done():
			p.Kill()
			return nil, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// Stop asks the process to shut down (SIGTERM) and waits; after 30 s it
// is killed.
func (p *process) Stop() error {
	defer p.logFile.Close()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.Kill()
		return errors.New("the server did not stop within 30s of SIGTERM; killed")
	}
	if st := p.cmd.ProcessState; st != nil && !st.Success() {
		return fmt.Errorf("the server exited with %v", st)
	}
	return nil
}

// Kill ends the process at once.
func (p *process) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// memory is a process's resident set, now and at its peak, in bytes.
type memory struct {
	RSS, Peak int64
}

// readMemory reads VmRSS and VmHWM from /proc (Linux).
func readMemory(pid int) (memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	var m memory
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 1 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		switch name {
		case "VmRSS":
			m.RSS = kb << 10
		case "VmHWM":
			m.Peak = kb << 10
		}
	}
	return m, nil
}

// cpuSeconds is the user+system CPU time a process has used (Linux).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces: fields count from after its ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ is 100 on Linux
}

func (p *process) Pid() int { return p.cmd.Process.Pid }
