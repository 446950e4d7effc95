package report

import (
	"strings"
	"testing"
)

func TestColumnsRender(t *testing.T) {
	c := newColumns("COUNT>", "NAME", "NOTE")
	c.add("1,752", "mhub.txt", "")
	c.add("3", "a\x1b[2Jb", "x")
	var b strings.Builder
	if err := c.render(&b, "  "); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"  COUNT  NAME       NOTE\n" +
		"  1,752  mhub.txt\n" +
		"      3  a\\x1b[2Jb  x\n"
	if got := b.String(); got != want {
		t.Errorf("render:\n%s\nwant:\n%s", got, want)
	}
}
