package resource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/tastygo/tastygo/apierror"
)

// Writing a CSV list without letting a slow client hold the database.
//
// A CSV body streams rows as the database returns them, so while the client is not reading, the rows
// (and with them one of the pool's connections) stay open. Three things bound that:
//
//   - The rows are read on their own goroutine into at most csvReadAhead of encoded CSV; the handler
//     writes it to the client. An export that fits in the read-ahead releases its connection at once,
//     whatever the client does.
//   - When the read-ahead is full, the reader waits for room at most the per-write timeout
//     (Config.PerWriteTimeout), as each write to the client does (deadlineWriter): a client that stops
//     reading loses its export, and its connection goes back to the pool, within that time. A client
//     that keeps reading is never cut, however long the export.
//   - At most Config.MaxExports exports read from the database at once (by default half the pool); a
//     further one waits up to Config.ExportWait for a turn, holding no connection, then is answered
//     503 SERVER_BUSY with Retry-After. Exports therefore never take the whole pool.
//
// A paged CSV list (a limit given, or a resource without Meta.CSVExport) is bounded by its page like a
// JSON answer, and like one it is built whole before the first byte is written, so its connection is
// back in the pool before any network write; it takes no export slot.

const (
	csvChunk     = 64 << 10        // the bytes of CSV handed to the client at a time
	csvReadAhead = 16              // chunks read ahead of the client: 1 MiB
	exportsSlack = 4               // exports allowed when the pool is unlimited
	exportWait   = 5 * time.Second // DefaultExportWait
)

// DefaultExportWait is how long a CSV export waits for its turn unless Config.ExportWait says otherwise.
const DefaultExportWait = exportWait

// errExportStalled ends the rows of an export whose client stopped reading.
var errExportStalled = errors.New("CSV export: the client accepted no bytes within the per-write timeout")

// exportSlots returns the semaphore of concurrent exports: n slots, or half of the pool's connections
// (at least one; exportsSlack when the pool is unlimited) when n is zero.
func exportSlots(n, poolSize int) chan struct{} {
	if n <= 0 {
		n = max(poolSize/2, 1)
		if poolSize <= 0 {
			n = exportsSlack
		}
	}
	return make(chan struct{}, n)
}

// acquireExport waits up to the export wait for a turn; the error is SERVER_BUSY, or the context's.
func (a *API) acquireExport(ctx context.Context) error {
	select {
	case a.exports <- struct{}{}:
		return nil
	default:
	}
	timer := time.NewTimer(a.exportWait)
	defer timer.Stop()
	select {
	case a.exports <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		retry := int64(math.Ceil(a.exportWait.Seconds()))
		return apierror.New(apierror.ServerBusy, "%d CSV exports are running, the most this server runs at once; try again in %d seconds.",
			cap(a.exports), retry).With("max_exports", cap(a.exports)).With("retry_after_seconds", max(retry, 1))
	}
}

// writeCSV writes a CSV list. The status and headers are sent with the first chunk of an export (a whole
// page at once), so an error until then (the query, authorization, a Dehydrate) is still answered in
// the JSON error shape; an error after it cuts the connection, so that the client sees an incomplete
// transfer.
func (a *API) writeCSV(w http.ResponseWriter, r *http.Request, resp *Response, s *csvStream) {
	start := func() {
		for k, vs := range resp.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(resp.Status)
	}
	fail := func(err error) {
		if apierror.CodeOf(err) == apierror.NotAuthenticated {
			SetChallenges(w.Header(), s.b.Resource.challenge())
		}
		a.writeError(w, r, s.b.RequestID, err)
	}
	if s.paged {
		// A page is bounded like a JSON page, and like one it is read whole before it is written.
		var page bytes.Buffer
		cw := newCSVWriter(&page)
		err := s.write(r.Context(), cw, r.Method == http.MethodHead)
		if err == nil {
			err = cw.Flush()
		}
		if err != nil && !errors.Is(err, errHeadDone) {
			fail(err)
			return
		}
		start()
		_, _ = w.Write(page.Bytes())
		return
	}
	if err := a.acquireExport(r.Context()); err != nil {
		if apierror.As(err) != nil {
			a.writeError(w, r, s.b.RequestID, err)
		}
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	out := &chunker{ctx: ctx, stall: a.perWriteTimeout, chunks: make(chan []byte, csvReadAhead), free: make(chan []byte, csvReadAhead+1)}
	produced := make(chan error, 1)
	go func() {
		defer func() { <-a.exports }()
		defer close(out.chunks)
		var err error
		defer func() {
			if p := recover(); p != nil {
				a.logger.ErrorContext(r.Context(), "panic serving request", "request_id", s.b.RequestID, "method", r.Method,
					"path", LogText(r.URL.Path, maxLoggedPath), "panic", LogText(fmt.Sprint(p), maxLoggedError), "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", p)
			}
			produced <- err
		}()
		err = out.produce(s, r.Method == http.MethodHead)
	}()

	started := false
	var writeErr error
	for chunk := range out.chunks {
		if writeErr != nil {
			continue // drain what was read ahead, so that the reader ends
		}
		if !started {
			started = true
			start()
		}
		if _, writeErr = w.Write(chunk); writeErr != nil {
			cancel()
			continue
		}
		select {
		case out.free <- chunk[:0]:
		default:
		}
	}
	err := <-produced
	if errors.Is(err, errHeadDone) {
		err = nil
	}
	switch {
	case err == nil && writeErr == nil:
		if !started {
			start()
		}
	case !started:
		fail(err)
	case r.Context().Err() != nil:
		// The client went away; nobody reads the rest.
	case writeErr != nil || errors.Is(err, errExportStalled):
		a.logger.WarnContext(r.Context(), "CSV export cut: the client stopped reading", "request_id", s.b.RequestID,
			"resource", s.b.Resource.Name, "per_write_timeout", a.perWriteTimeout)
		panic(http.ErrAbortHandler)
	default:
		a.logger.ErrorContext(r.Context(), "CSV export cut short", "request_id", s.b.RequestID, "resource", s.b.Resource.Name, "error", LogText(err.Error(), maxLoggedError))
		panic(http.ErrAbortHandler)
	}
}

// chunker is the reading side of an export: an io.Writer under the CSV writer that hands chunks of
// csvChunk bytes to the handler through chunks, waiting for room at most stall.
type chunker struct {
	ctx    context.Context
	stall  time.Duration
	chunks chan []byte
	free   chan []byte // chunks the handler has written, to be filled again
	cur    []byte
}

// produce writes the export into chunks: the rows are read, and the database connection held, only
// here.
func (c *chunker) produce(s *csvStream, head bool) error {
	cw := newCSVWriter(c)
	if err := s.write(c.ctx, cw, head); err != nil {
		return err
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	return c.send()
}

// Write buffers p, handing a chunk to the handler each time csvChunk bytes are buffered.
func (c *chunker) Write(p []byte) (int, error) {
	if c.cur == nil {
		select {
		case c.cur = <-c.free:
		default:
			c.cur = make([]byte, 0, csvChunk+4096)
		}
	}
	c.cur = append(c.cur, p...)
	if len(c.cur) >= csvChunk {
		if err := c.send(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// send hands the buffered bytes to the handler, waiting at most c.stall for room.
func (c *chunker) send() error {
	if len(c.cur) == 0 {
		return nil
	}
	select {
	case c.chunks <- c.cur:
		c.cur = nil
		return nil
	default:
	}
	timer := time.NewTimer(c.stall)
	defer timer.Stop()
	select {
	case c.chunks <- c.cur:
		c.cur = nil
		return nil
	case <-c.ctx.Done():
		return c.ctx.Err()
	case <-timer.C:
		return errExportStalled
	}
}
