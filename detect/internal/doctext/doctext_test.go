package doctext

import "testing"

func TestFromSource(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"simple", "// Package x does y.\n//\n// More.\npackage x\n", "Package x does y.\n\nMore."},
		{"indented code kept", "// Package x.\n//\n//\tcode line\npackage x\n", "Package x.\n\n\tcode line"},
		{"license header dropped", "// Copyright 2026.\n\n// Package x.\npackage x\n", "Package x."},
		{"directive dropped", "//go:build linux\n\n// Package x.\n//go:generate foo\npackage x\n", "Package x."},
		{"url with colon kept", "// Package x: see http://example.com.\npackage x\n", "Package x: see http://example.com."},
		{"crlf", "// Package x.\r\n// Two.\r\npackage x\r\n", "Package x.\nTwo."},
		{"no comment", "package x\n", ""},
		{"no package clause", "// just a comment\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FromSource(tt.src); got != tt.want {
				t.Errorf("FromSource(%q) = %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}
