package glwindow

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"github.com/go-gl/gl/v2.1/gl"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// GLFW must be called from the main thread, and only TestMain runs there:
// it makes the windows and the tests check what it found.
func init() { runtime.LockOSThread() }

// buffers are the depth and stencil bits of a window made with the
// defaults and of one made after WithoutDepthBuffer; skip says why they
// could not be measured.
var buffers struct {
	defaults, without [2]int32
	skip              string
}

func TestMain(m *testing.M) {
	if os.Getenv("DISPLAY") == "" {
		buffers.skip = "no DISPLAY (make test runs under xvfb-run)"
	} else if err := glfw.Init(); err != nil {
		buffers.skip = fmt.Sprintf("GLFW cannot start: %v", err)
	} else {
		var err error
		if buffers.defaults, err = windowBuffers(); err == nil {
			if err = WithoutDepthBuffer(); err == nil {
				buffers.without, err = windowBuffers()
			}
		}
		if err != nil {
			buffers.skip = err.Error()
		}
		glfw.Terminate()
	}
	os.Exit(m.Run())
}

// windowBuffers makes a hidden window with the current hints and reads
// the depth and stencil bits of its framebuffer.
func windowBuffers() ([2]int32, error) {
	glfw.WindowHint(glfw.Visible, glfw.False)
	glfw.WindowHint(glfw.ContextVersionMajor, 2) // as Fyne asks
	glfw.WindowHint(glfw.ContextVersionMinor, 1)
	w, err := glfw.CreateWindow(64, 64, "glwindow test", nil, nil)
	if err != nil {
		return [2]int32{}, err
	}
	defer w.Destroy()
	w.MakeContextCurrent()
	defer glfw.DetachCurrentContext()
	if err := gl.Init(); err != nil {
		return [2]int32{}, err
	}
	var bits [2]int32
	gl.GetIntegerv(gl.DEPTH_BITS, &bits[0])
	gl.GetIntegerv(gl.STENCIL_BITS, &bits[1])
	return bits, nil
}

func TestWithoutDepthBuffer(t *testing.T) {
	if buffers.skip != "" {
		t.Skip(buffers.skip)
	}
	t.Logf("depth and stencil bits: %v by default, %v after WithoutDepthBuffer", buffers.defaults, buffers.without)
	if buffers.defaults == [2]int32{} {
		t.Errorf("the default window has no depth or stencil buffer either: the test shows nothing here")
	}
	if buffers.without != [2]int32{} {
		t.Errorf("depth and stencil bits %v after WithoutDepthBuffer, want none", buffers.without)
	}
}
