// Command fakehubd serves the kiosk tests' fake hub, for trying the kiosk
// without the real hub:
//
//	go run ./kiosk/internal/fakehub/fakehubd &
//	go run ./kiosk -hub <printed URL> -token test-token -windowed
package main

import (
	"fmt"
	"os"
	"os/signal"

	"lotse/kiosk/internal/fakehub"
)

func main() {
	h := fakehub.New()
	defer h.Close()
	fmt.Println(h.URL)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
}
