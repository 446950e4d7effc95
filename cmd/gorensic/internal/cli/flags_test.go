package cli

import "testing"

func TestParseByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want byteSize
		str  string // String of the result
	}{
		{"8GiB", 8 << 30, "8GiB"},
		{"512MiB", 512 << 20, "512MiB"},
		{"512mib", 512 << 20, "512MiB"},
		{"1.5GiB", 3 << 29, "1536MiB"},
		{"100MB", 100e6, "100000000"},
		{"64k", 64 << 10, "64KiB"},
		{"1048576", 1 << 20, "1MiB"},
		{"1000", 1000, "1000"},
		{" 2 GiB ", 2 << 30, "2GiB"},
		{"unlimited", -1, "unlimited"},
	} {
		got, err := parseByteSize(tc.in)
		if err != nil || got != tc.want || got.String() != tc.str {
			t.Errorf("parseByteSize(%q) = %d (%s), %v; want %d (%s)", tc.in, got, got, err, tc.want, tc.str)
		}
	}
	for _, bad := range []string{"", "0", "-1", "lots", "GiB", "1.5.2MiB", "0.1", "1e30TiB", "Inf"} {
		if got, err := parseByteSize(bad); err == nil {
			t.Errorf("parseByteSize(%q) = %d, want an error", bad, got)
		}
	}
}
