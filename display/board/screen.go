package board

import (
	"context"
	"image"
	"image/color"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"lotse/hub/api"
)

// Layouts of the call area.
const (
	LayoutAuto    = "auto"    // columns when the list cannot show every counter
	LayoutList    = "list"    // the last calls, newest on top
	LayoutColumns = "columns" // one tile per counter with its current ticket
)

// blinkPhase and blinkPhases make a new call blink three times.
const (
	blinkPhase  = 500 * time.Millisecond
	blinkPhases = 6
)

// ScreenOptions configure a Screen.
type ScreenOptions struct {
	// Messages are the UI texts (assets.Messages("display", lang)).
	Messages map[string]string
	// Layout is LayoutAuto (default), LayoutList or LayoutColumns.
	Layout string
	// History is how many calls the board keeps (0: DefaultHistory).
	History int
	// Now is the clock (default time.Now); tests fix it.
	Now func() time.Time
	// OnCall is told of every call to announce, in order. It must not block.
	OnCall func(Call)
	// OnDayTurned, if set, is told when the hub turned the day and the
	// board dropped the old day, e.g. to drop pending announcements. It
	// must not block.
	OnDayTurned func()
	// Log, if set, hears when the board first shows the hub's state and,
	// at debug level, every repaint with its seq: the figures for "from
	// the call to the screen".
	Log *slog.Logger
	// OnShown, if set, is called once on the UI goroutine when the board
	// first shows the hub's state. It must not block.
	OnShown func()
}

// Screen is the call display as a Fyne widget. It is the Sink of a
// Follower: Apply may be called from any goroutine.
type Screen struct {
	widget.BaseWidget
	opts ScreenOptions

	mu       sync.Mutex
	board    Board
	started  time.Time
	callSeen time.Time // when the newest call arrived here, for the blink
	marquee  int       // ticker scroll position in runes
	scrolls  bool      // the notice is too wide and scrolls

	// do runs a function on the UI goroutine (fyne.Do; tests queue).
	do func(func())
	// refreshQueued is set while a redraw waits for the UI goroutine.
	refreshQueued atomic.Bool
	// ground is the colour the last frame stands on (ground.go), which
	// Fyne clears each frame with under the screen's Theme.
	ground atomic.Pointer[color.NRGBA]
}

// Theme returns the board's theme for this screen: its background, which
// Fyne clears every frame with, is the ground the screen's last frame
// chose (ground.go). Set it as the app's theme.
func (s *Screen) Theme() fyne.Theme { return Theme{ground: &s.ground} }

// NewScreen returns an empty board that waits for its first snapshot.
func NewScreen(opts ScreenOptions) *Screen {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Layout == "" {
		opts.Layout = LayoutAuto
	}
	s := &Screen{opts: opts, do: fyne.Do}
	s.board.History = opts.History
	s.started = opts.Now()
	s.ExtendBaseWidget(s)
	return s
}

// Apply reduces a stream message into the board, hands new calls to
// OnCall and redraws.
func (s *Screen) Apply(m api.Message) Outcome {
	s.mu.Lock()
	now := s.opts.Now()
	wasStale := s.board.Stale(now, s.started)
	out, calls := s.board.Apply(m, now)
	if len(calls) > 0 {
		s.callSeen = now
	}
	if out == DayTurned {
		s.callSeen = time.Time{} // no blink of a call that is gone
	}
	s.mu.Unlock()
	if out == DayTurned && s.opts.OnDayTurned != nil {
		s.opts.OnDayTurned()
	}
	for _, c := range calls {
		if s.opts.OnCall != nil {
			s.opts.OnCall(c)
		}
	}
	if out == Applied || out == DayTurned || wasStale {
		s.redraw()
	}
	return out
}

// redraw asks the UI goroutine for one redraw of the board as it is then.
// Messages that arrive before it runs (a call's events come in a burst)
// share it: each redraw of its own would paint a whole frame, and the call
// would wait for the frames of the events before it.
func (s *Screen) redraw() {
	if s.refreshQueued.CompareAndSwap(false, true) {
		s.do(func() {
			s.refreshQueued.Store(false) // before the board is read: a later change queues anew
			s.Refresh()
		})
	}
}

// Connected clears the connection warning as soon as a connection opens.
func (s *Screen) Connected() {
	s.mu.Lock()
	now := s.opts.Now()
	wasStale := s.board.Stale(now, s.started)
	s.board.Touch(now)
	s.mu.Unlock()
	if wasStale {
		s.redraw()
	}
}

// Seq returns the seq the board stands at.
func (s *Screen) Seq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.board.Seq
}

// Board returns a copy of the board's state.
func (s *Screen) Board() Board {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.board
	b.Calls = append([]Call(nil), b.Calls...)
	return b
}

// Run redraws what changes with time (clock, blink, connection warning,
// ticker) until ctx ends.
func (s *Screen) Run(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.mu.Lock()
		if s.scrolls {
			s.marquee++
		}
		v := s.frame()
		s.mu.Unlock()
		key := v.clock + "|" + strconv.FormatBool(v.highlight) + strconv.FormatBool(v.stale) + "|" + strconv.Itoa(v.marquee)
		if key != last {
			last = key
			s.redraw()
		}
	}
}

// CreateRenderer draws the board.
func (s *Screen) CreateRenderer() fyne.WidgetRenderer {
	r := &screenRenderer{s: s}
	r.probe = canvas.NewRaster(r.paintProbe)
	return r
}

// frame is what one drawing needs, copied under the lock.
type frame struct {
	board     Board
	clock     string
	stale     bool
	connected bool // a snapshot has arrived
	highlight bool // the newest call is drawn highlighted (off during blink)
	marquee   int
}

func (s *Screen) frame() frame {
	now := s.opts.Now()
	f := frame{
		board:     s.board,
		clock:     s.board.Office.Time(now).Format("15:04"),
		stale:     s.board.Stale(now, s.started),
		connected: s.board.Ready,
		highlight: true,
		marquee:   s.marquee,
	}
	f.board.Calls = append([]Call(nil), s.board.Calls...)
	f.board.Counters = append([]api.CounterState(nil), s.board.Counters...)
	f.board.Waiting = append([]api.ServiceWait(nil), s.board.Waiting...)
	if !s.callSeen.IsZero() {
		if phase := int(now.Sub(s.callSeen) / blinkPhase); phase >= 0 && phase < blinkPhases {
			f.highlight = phase%2 == 0
		}
	}
	return f
}

func (s *Screen) msg(key string) string {
	if t, ok := s.opts.Messages[key]; ok {
		return t
	}
	return key
}

type screenRenderer struct {
	s      *Screen
	size   fyne.Size
	objs   []fyne.CanvasObject // painted, bottom up
	drawn  []fyne.CanvasObject // the last drawing's objects, reused by the next
	bottom []*canvas.Rectangle // the last frame's ground rectangles (ground.go)
	probe  *canvas.Raster      // drawn last; see paintProbe

	mu      sync.Mutex // the fields below: build and paint may run on different goroutines in tests
	built   int64      // the seq of the board the objects show
	calls   int        // and its number of calls
	ready   bool       // the objects show the hub's state
	painted int64      // the seq of the last board painted
	shown   bool       // the hub's state has been painted
}

func (r *screenRenderer) Destroy()                     {}
func (r *screenRenderer) MinSize() fyne.Size           { return fyne.NewSize(320, 240) }
func (r *screenRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *screenRenderer) Layout(size fyne.Size) {
	r.size = size
	r.build()
}

func (r *screenRenderer) Refresh() {
	r.build()
	canvas.Refresh(r.s)
}

// build lays the whole board out anew for the current size and state.
// Everything is sized from the window, so one code path serves a 1080p TV
// in landscape or portrait and a small development window alike. The
// objects of the previous frame are reused where they fit, and only those
// whose look changed are refreshed, so that a ticking clock or a scrolling
// ticker does not rasterize every text again.
func (r *screenRenderer) build() {
	s := r.s
	s.mu.Lock()
	f := s.frame()
	s.mu.Unlock()
	d := &drawing{s: s, f: f, w: r.size.Width, h: r.size.Height, prev: r.drawn}
	if d.w > 0 && d.h > 0 {
		d.draw()
	}
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(s); c != nil {
		scale = c.Scale()
	}
	bottom, paint := d.ground(r.bottom, scale) // ground.go
	r.bottom, r.drawn = bottom, d.objs
	// The probe comes last, so that the frame that paints it has painted
	// everything else of this board.
	r.probe.Move(fyne.NewPos(0, 0))
	r.probe.Resize(fyne.NewSize(1, 1))
	r.objs = append(paint, r.probe)
	for _, o := range d.changed {
		canvas.Refresh(o)
	}
	s.mu.Lock()
	s.scrolls = d.scrolls
	s.mu.Unlock()
	r.mu.Lock()
	changed := f.board.Ready && d.w > 0 && (!r.ready || f.board.Seq != r.built)
	if changed {
		r.built, r.calls, r.ready = f.board.Seq, len(f.board.Calls), true
	}
	r.mu.Unlock()
	if changed {
		// Drops the probe's texture: the next frame asks paintProbe anew.
		canvas.Refresh(r.probe)
	}
}

// paintProbe is the generator of an invisible pixel that is drawn last.
// Fyne calls it only while it paints a frame, and only when the probe's
// texture was dropped, which build does with every new board. So it tells
// when a board is really on the screen, not merely laid out: a renderer's
// Refresh runs up to a frame (and the whole painting) earlier. The log line
// and OnShown wait until the frame is swapped to the screen: a function
// given to fyne.Do runs after the frame in progress.
func (r *screenRenderer) paintProbe(w, h int) image.Image {
	r.mu.Lock()
	fresh := r.ready && (!r.shown || r.built != r.painted)
	first := !r.shown
	seq, calls := r.built, r.calls
	if fresh {
		r.painted, r.shown = seq, true
	}
	r.mu.Unlock()
	if fresh {
		fyne.Do(func() { r.s.painted(seq, calls, first) })
	}
	return image.NewNRGBA(image.Rect(0, 0, w, h)) // transparent
}

// painted reports that the board of seq is on the screen.
func (s *Screen) painted(seq int64, calls int, first bool) {
	log := s.opts.Log
	if first {
		if log != nil {
			log.Info("board showing the hub's state", "seq", seq, "calls", calls)
		}
		if s.opts.OnShown != nil {
			s.opts.OnShown()
		}
	}
	if log != nil {
		log.Debug("board repainted", "seq", seq)
	}
}

// drawing collects the canvas objects of one frame.
type drawing struct {
	s       *Screen
	f       frame
	w, h    float32
	objs    []fyne.CanvasObject
	fills   []fill              // the opaque rectangles among objs (ground.go)
	prev    []fyne.CanvasObject // the previous frame's objects, to reuse
	changed []fyne.CanvasObject // reused objects whose look changed
	scrolls bool
}

func (d *drawing) rect(x, y, w, h float32, c color.Color) *canvas.Rectangle {
	r, reused := reuse[*canvas.Rectangle](d)
	if !reused {
		r = canvas.NewRectangle(c)
	} else if r.FillColor != c {
		r.FillColor = c
		d.changed = append(d.changed, r)
	}
	r.Move(fyne.NewPos(x, y))
	r.Resize(fyne.NewSize(w, h))
	if w > 0 && h > 0 {
		d.fills = append(d.fills, fill{x: x, y: y, w: w, h: h, c: c, at: len(d.objs)})
	}
	d.objs = append(d.objs, r)
	return r
}

// reuse returns the previous frame's object at the next index if it has the
// wanted type.
func reuse[T fyne.CanvasObject](d *drawing) (T, bool) {
	var zero T
	if i := len(d.objs); i < len(d.prev) {
		if o, ok := d.prev[i].(T); ok {
			return o, true
		}
	}
	return zero, false
}

// newText returns a text object with the given look, reusing the previous
// frame's object at this index when there is one.
func (d *drawing) newText(str string, size float32, c color.Color, style fyne.TextStyle, align fyne.TextAlign) *canvas.Text {
	t, reused := reuse[*canvas.Text](d)
	if !reused {
		t = canvas.NewText(str, c)
	} else if t.Text != str || t.Color != c || t.TextSize != size || t.TextStyle != style || t.Alignment != align {
		t.Text, t.Color = str, c
		d.changed = append(d.changed, t)
	}
	t.TextSize, t.TextStyle, t.Alignment = size, style, align
	return t
}

// text draws s in the box (x, y, w, h), vertically centred, shrunk (not
// below half its size) and then cut with "…" until it fits the width.
func (d *drawing) text(str string, x, y, w, h, size float32, c color.Color, bold bool, align fyne.TextAlign) *canvas.Text {
	style := fyne.TextStyle{Bold: bold}
	size = fitSize(str, size, w, style)
	str = cut(str, size, w, style)
	t := d.newText(str, size, c, style, align)
	th := fyne.MeasureText(str, size, style).Height
	t.Move(fyne.NewPos(x, y+(h-th)/2))
	t.Resize(fyne.NewSize(w, th))
	d.objs = append(d.objs, t)
	return t
}

// digitText draws s like text, but each digit as a text of its own. The
// numbers on a board change with every call, and every text Fyne has not
// drawn in that size and colour costs a rasterisation and a texture upload
// in the frame that shows it: a ticket number or a waiting count built from
// digits that are each drawn already costs neither.
func (d *drawing) digitText(str string, x, y, w, h, size float32, c color.Color, bold bool, align fyne.TextAlign) {
	style := fyne.TextStyle{Bold: bold}
	size = fitSize(str, size, w, style)
	str = cut(str, size, w, style)
	parts := splitDigits(str)
	widths := make([]float32, len(parts))
	total := float32(0)
	for i, p := range parts {
		widths[i] = fyne.MeasureText(p, size, style).Width
		total += widths[i]
	}
	th := fyne.MeasureText(str, size, style).Height
	switch align {
	case fyne.TextAlignCenter:
		x += (w - total) / 2
	case fyne.TextAlignTrailing:
		x += w - total
	}
	for i, p := range parts {
		t := d.newText(p, size, c, style, fyne.TextAlignLeading)
		t.Move(fyne.NewPos(x, y+(h-th)/2))
		t.Resize(fyne.NewSize(widths[i], th))
		d.objs = append(d.objs, t)
		x += widths[i]
	}
}

// splitDigits cuts s into its single digits and the runs between them.
func splitDigits(s string) []string {
	var parts []string
	start := 0
	for i, r := range s {
		if r >= '0' && r <= '9' {
			if start < i {
				parts = append(parts, s[start:i])
			}
			parts = append(parts, s[i:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		parts = append(parts, s[start:])
	}
	return parts
}

func fitSize(str string, size, w float32, style fyne.TextStyle) float32 {
	if tw := fyne.MeasureText(str, size, style).Width; tw > w && tw > 0 {
		return max(size/2, size*w/tw*0.98)
	}
	return size
}

func cut(str string, size, w float32, style fyne.TextStyle) string {
	if fyne.MeasureText(str, size, style).Width <= w {
		return str
	}
	runes := []rune(str)
	for n := len(runes) - 1; n > 0; n-- {
		if c := string(runes[:n]) + "…"; fyne.MeasureText(c, size, style).Width <= w {
			return c
		}
	}
	return ""
}

func (d *drawing) draw() {
	w, h := d.w, d.h
	portrait := h > w
	// Text sizes are fractions of the screen height; in portrait the width
	// limits a row (number → counter name), so the unit is capped by it.
	unit := h
	if portrait {
		unit = min(h, 1.25*w)
	}
	pad := 0.015 * min(w, h)

	header := 0.09 * h
	if portrait {
		header = 0.07 * h
	}
	ticker := float32(0)
	if d.f.board.Notice != "" {
		ticker = 0.065 * h
		if portrait {
			ticker = 0.05 * h
		}
	}
	d.header(0, 0, w, header, pad)

	bodyY := header + pad
	bodyH := h - header - ticker - 2*pad
	if portrait {
		callsH := bodyH * 0.68
		d.calls(pad, bodyY, w-2*pad, callsH, unit, pad)
		d.waiting(pad, bodyY+callsH+pad, w-2*pad, bodyH-callsH-pad, unit, pad)
	} else {
		callsW := (w - 3*pad) * 0.64
		d.calls(pad, bodyY, callsW, bodyH, unit, pad)
		d.waiting(2*pad+callsW, bodyY, w-3*pad-callsW, bodyH, unit, pad)
	}
	if ticker > 0 {
		d.ticker(0, h-ticker, w, ticker, pad)
	}
}

func (d *drawing) header(x, y, w, h, pad float32) {
	clockW := fyne.MeasureText("00:00", 0.62*h, fyne.TextStyle{Bold: true}).Width
	switch {
	case d.f.stale:
		d.rect(x, y, w, h, colorAlarm)
		d.text("⚠ "+d.s.msg("offline"), x+pad, y, w-3*pad-clockW, h, 0.5*h, colorText, true, fyne.TextAlignLeading)
	case !d.f.connected:
		d.rect(x, y, w, h, colorPanel)
		d.text(d.s.msg("connecting"), x+pad, y, w-3*pad-clockW, h, 0.45*h, colorDim, false, fyne.TextAlignLeading)
	default:
		d.rect(x, y, w, h, colorPanel)
		d.text(d.f.board.Office.Name, x+pad, y, w-3*pad-clockW, h, 0.45*h, colorText, false, fyne.TextAlignLeading)
	}
	d.digitText(d.f.clock, x+w-pad-clockW, y, clockW, h, 0.62*h, colorText, true, fyne.TextAlignTrailing)
}

// calls draws the call area as a list or as counter tiles.
func (d *drawing) calls(x, y, w, h, unit, pad float32) {
	b := &d.f.board
	colHead := 0.05 * unit
	first := 0.16 * unit
	row := 0.13 * unit
	rows := 0
	if h >= colHead+first {
		rows = 1 + int((h-colHead-first)/row)
	}
	layout := d.s.opts.Layout
	if layout != LayoutList && layout != LayoutColumns {
		layout = LayoutList
		if len(b.Counters) > max(rows, 6) {
			layout = LayoutColumns
		}
	}
	if layout == LayoutColumns && len(b.Counters) > 0 {
		d.tiles(x, y, w, h, pad)
		return
	}

	numW := w * 0.4
	arrowW := w * 0.1
	d.text(d.s.msg("number"), x+pad, y, numW-pad, colHead, 0.6*colHead, colorDim, false, fyne.TextAlignLeading)
	d.text(d.s.msg("counter"), x+numW+arrowW, y, w-numW-arrowW-pad, colHead, 0.6*colHead, colorDim, false, fyne.TextAlignLeading)
	d.rect(x, y+colHead-2, w, 2, colorRule)
	if len(b.Calls) == 0 {
		d.text(d.s.msg("idle"), x, y+colHead, w, min(first, h-colHead), 0.05*unit, colorDim, false, fyne.TextAlignCenter)
		return
	}
	cy := y + colHead
	for i, c := range b.Calls {
		if i >= rows {
			break
		}
		rh, size := row, 0.1*unit
		if i == 0 {
			rh, size = first, 0.13*unit
		}
		fg, bg := colorText, colorBackground
		switch {
		case i == 0 && c.Active:
			fg, bg = colorOnAccent, blinkBackground(d.f.highlight)
		case !c.Active:
			fg = colorDim
		}
		if bg != colorBackground { // the board's background is already there
			inset := 0.06 * rh
			d.rect(x, cy+inset, w, rh-2*inset, bg)
		}
		d.digitText(c.Number, x+pad, cy, numW-pad, rh, size, fg, true, fyne.TextAlignLeading)
		d.text("→", x+numW, cy, arrowW, rh, 0.8*size, fg, true, fyne.TextAlignCenter)
		d.text(c.CounterName, x+numW+arrowW, cy, w-numW-arrowW-pad, rh, 0.8*size, fg, i == 0, fyne.TextAlignLeading)
		if i > 0 {
			d.rect(x, cy, w, 1, colorRule)
		}
		cy += rh
	}
}

// blinkBackground is the newest call's background: the accent, and white
// in the blink's off phases. The text stays black on both, so the blink
// repaints one rectangle and not the texture of every text on it: each
// colour of a text is a texture of its own that Fyne keeps for a minute.
func blinkBackground(highlight bool) color.NRGBA {
	if highlight {
		return colorAccent
	}
	return colorText
}

// tiles draws one tile per counter with its current ticket, for offices
// with more counters than list rows.
func (d *drawing) tiles(x, y, w, h, pad float32) {
	b := &d.f.board
	n := len(b.Counters)
	newest, hasNewest := b.Newest()
	// Choose the grid that gives the largest ticket number.
	bestCols, bestSize := 1, float32(0)
	for cols := 1; cols <= n; cols++ {
		rows := (n + cols - 1) / cols
		tw, th := (w-float32(cols-1)*pad)/float32(cols), (h-float32(rows-1)*pad)/float32(rows)
		// Measured at 100 and scaled: tiny sizes measure coarsely.
		size := min(0.5*th, 0.85*tw*100/fyne.MeasureText("A000", 100, fyne.TextStyle{Bold: true}).Width)
		if size > bestSize {
			bestCols, bestSize = cols, size
		}
	}
	cols := bestCols
	rows := (n + cols - 1) / cols
	tw, th := (w-float32(cols-1)*pad)/float32(cols), (h-float32(rows-1)*pad)/float32(rows)
	for i, c := range b.Counters {
		tx := x + float32(i%cols)*(tw+pad)
		ty := y + float32(i/cols)*(th+pad)
		call, active := b.CounterCall(c.ID)
		isNew := active && hasNewest && newest.Ticket == call.Ticket
		fg, bg, nameFg := colorText, colorPanel, colorDim
		if isNew {
			fg, bg, nameFg = colorOnAccent, blinkBackground(d.f.highlight), colorOnAccent
		}
		d.rect(tx, ty, tw, th, bg)
		nameH := 0.28 * th
		d.text(c.Name, tx+pad/2, ty, tw-pad, nameH, 0.7*nameH, nameFg, false, fyne.TextAlignCenter)
		switch {
		case active:
			d.digitText(call.Number, tx+pad/2, ty+nameH, tw-pad, th-nameH, bestSize, fg, true, fyne.TextAlignCenter)
		case c.Closed:
			d.text(d.s.msg("closed"), tx+pad/2, ty+nameH, tw-pad, th-nameH, 0.35*bestSize, colorDim, false, fyne.TextAlignCenter)
		default:
			d.text("–", tx+pad/2, ty+nameH, tw-pad, th-nameH, bestSize, colorRule, true, fyne.TextAlignCenter)
		}
	}
}

// waiting draws, per service, how many wait and how long.
func (d *drawing) waiting(x, y, w, h, unit, pad float32) {
	d.rect(x, y, w, h, colorPanel)
	title := 0.07 * unit
	if h < title*2 {
		return
	}
	d.text(d.s.msg("waiting"), x+pad, y, w-2*pad, title, 0.6*title, colorAccent, true, fyne.TextAlignLeading)
	services := d.f.board.Waiting
	if len(services) == 0 {
		return
	}
	// A wide, low panel (portrait, below the calls) takes two columns so
	// that the lines stay large.
	cols := 1
	if w > 1.8*h && len(services) > 3 {
		cols = 2
	}
	rows := (len(services) + cols - 1) / cols
	line := min(0.045*unit, (h-title-pad)/(2.3*float32(rows)))
	colW := (w - pad) / float32(cols)
	// One size for all names and one for all details, so that the panel
	// reads as a table; too long ones are cut rather than shrunk further.
	nameSize, waitSize := 0.8*line, 0.72*line
	bold, plain := fyne.TextStyle{Bold: true}, fyne.TextStyle{}
	for _, sv := range services {
		nameSize = min(nameSize, max(0.6*line, fitSize(sv.Name, 0.8*line, colW-2*pad, bold)))
		waitSize = min(waitSize, max(0.55*line, fitSize(d.waitText(sv), 0.72*line, colW-2*pad, plain)))
	}
	for i, sv := range services {
		cx := x + float32(i/rows)*colW
		cy := y + title + float32(i%rows)*2.3*line
		if cy+2*line > y+h {
			continue
		}
		d.text(sv.Name, cx+pad, cy, colW-2*pad, line, nameSize, colorText, true, fyne.TextAlignLeading)
		d.digitText(d.waitText(sv), cx+pad, cy+line, colW-2*pad, line, waitSize, colorDim, false, fyne.TextAlignLeading)
	}
}

func (d *drawing) waitText(sv api.ServiceWait) string {
	count := strings.ReplaceAll(d.s.msg("waiting_count"), "{count}", strconv.Itoa(sv.Waiting))
	switch {
	case sv.WaitMinutes < 0:
		return count + " · " + d.s.msg("wait_closed")
	case sv.Waiting == 0 || sv.WaitMinutes == 0:
		return count + " · " + d.s.msg("wait_none")
	}
	return count + " · " + strings.ReplaceAll(d.s.msg("wait_minutes"), "{minutes}", strconv.Itoa(sv.WaitMinutes))
}

// ticker draws the office notice; one too wide for the screen scrolls.
func (d *drawing) ticker(x, y, w, h, pad float32) {
	d.rect(x, y, w, h, colorTicker)
	notice := d.f.board.Notice
	size := 0.55 * h
	style := fyne.TextStyle{Bold: true}
	if fyne.MeasureText(notice, size, style).Width > w-2*pad {
		d.scrolls = true
		loop := []rune(notice + "   +++   ")
		off := d.f.marquee % len(loop)
		notice = string(loop[off:]) + string(loop[:off])
		for fyne.MeasureText(notice, size, style).Width > w-2*pad && len(notice) > 0 {
			r := []rune(notice)
			notice = string(r[:len(r)-1])
		}
	}
	t := d.newText(notice, size, colorText, style, fyne.TextAlignLeading)
	th := fyne.MeasureText(notice, size, style).Height
	t.Move(fyne.NewPos(x+pad, y+(h-th)/2))
	t.Resize(fyne.NewSize(w-2*pad, th))
	d.objs = append(d.objs, t)
}
