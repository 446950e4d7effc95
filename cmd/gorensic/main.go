// Command gorensic reads goroutine dumps, goroutine profiles and execution
// traces and says what is wrong with the program they came from.
package main

import (
	"os"

	"github.com/gorensic/gorensic/cmd/gorensic/internal/cli"
)

func main() { os.Exit(cli.Main()) }
