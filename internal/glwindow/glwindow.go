// Package glwindow sets how the kiosk's and the display's OpenGL windows
// are made: the GLFW window hints that Fyne leaves at their defaults.
package glwindow

import "github.com/go-gl/glfw/v3.3/glfw"

// WithoutDepthBuffer makes the windows created after it without a depth
// and a stencil buffer. Fyne paints in two dimensions, object after
// object, with the depth test off and no stencil, yet GLFW's defaults give
// every window 24 bits of depth and 8 of stencil, and Fyne clears the
// depth buffer with every frame. Under Mesa's software renderer
// (llvmpipe: every Xvfb, PCs without a GPU driver) that clear is a pass
// over every pixel that keeps the stencil bits: a frame of the board at
// 1920×1080 with eight calls cost 26.6 ms of CPU with it and 21.1 ms
// without (means of three runs of 150 frames each under Xvfb).
//
// Call it on the main goroutine, before the first window is shown. It
// initialises GLFW if Fyne has not yet (glfw.Init is idempotent) and
// returns GLFW's error when that fails, as it does without an X display.
func WithoutDepthBuffer() error {
	if err := glfw.Init(); err != nil {
		return err
	}
	glfw.WindowHint(glfw.DepthBits, 0)
	glfw.WindowHint(glfw.StencilBits, 0)
	return nil
}
