package words

import (
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{Count(0), "0"},
		{Count(999), "999"},
		{Count(4096), "4,096"},
		{Count(1234567), "1,234,567"},
		{Count(-4096), "-4,096"},
		{N(1, "goroutine"), "1 goroutine"},
		{N(2, "goroutine"), "2 goroutines"},
		{Age(30 * time.Second), "30s"},
		{Age(8 * time.Minute), "8m"},
		{Age(495 * time.Minute), "8h15m"},
		{Age(2 * time.Hour), "2h"},
		{Age(5352 * time.Minute), "3d17h"},
		{Age(72 * time.Hour), "3d"},
		{Range(time.Minute, time.Minute), "1m"},
		{Range(12*time.Minute, 47*time.Minute), "12m-47m"},
		{Seconds(1500 * time.Millisecond), "1.5s"},
		{Seconds(123456 * time.Millisecond), "2m3s"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

func TestFunc(t *testing.T) {
	tests := map[string]string{
		"github.com/a/b/mdbx.(*MdbxKV).BeginRo":      "mdbx.(*MdbxKV).BeginRo",
		"main.main":                                  "main.main",
		"example.com/p.F[go.shape.struct { a/b.C }]": "p.F[go.shape.struct { a/b.C }]",
	}
	for in, want := range tests {
		if got := Func(in); got != want {
			t.Errorf("Func(%q) = %q, want %q", in, got, want)
		}
	}
}
