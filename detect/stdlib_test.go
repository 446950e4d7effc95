package detect

import "testing"

func TestIsStdlib(t *testing.T) {
	tests := []struct {
		fn   string
		want bool
	}{
		{"net/http.(*conn).serve", true},
		{"sync.(*WaitGroup).Wait", true},
		{"runtime.gopark", true},
		{"internal/poll.runtime_pollWait", true},
		{"vendor/golang.org/x/net/http2/hpack.(*Decoder).Write", true},
		{"panic", true},    // the runtime's panic frame
		{"chanrecv", true}, // Go 1.3 C runtime frame
		{"main.main", false},
		{"main.(*T).get", false},
		{"github.com/a/b.F", false},
		{"golang.org/x/sync/errgroup.(*Group).Wait", false},
		{"robotgo.AKeyTap", false},         // GOPATH-era package without a dot
		{"myapp/internal/db.Query", false}, // module path without a dot
		{"robotgo._Cfunc_akeyTap", false},
	}
	for _, tt := range tests {
		if got := IsStdlib(tt.fn); got != tt.want {
			t.Errorf("IsStdlib(%q) = %v, want %v", tt.fn, got, tt.want)
		}
	}
}
