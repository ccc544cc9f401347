package differential

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ---------------------------------------------------------------------
// Normalization

type normalizer struct {
	labels     map[int64]string
	known      []int64 // Stat zxids seen, sorted
	step       int
	newInStep  int
	times      map[int64]int64 // zxid -> time
	sessions   map[int64]string
	start, end time.Time
}

func normalize(r runResult) [][]string {
	n := &normalizer{labels: map[int64]string{}, times: map[int64]int64{}, sessions: map[int64]string{}, start: r.start, end: r.end}
	var out [][]string
	for i, e := range r.entries {
		n.step, n.newInStep = i, 0
		lines := []string{e.head}
		for _, l := range e.lines {
			lines = append(lines, n.line(l))
		}
		out = append(out, lines)
	}
	return out
}

func (n *normalizer) line(l Line) string {
	var b strings.Builder
	for _, t := range l {
		switch t.kind {
		case tText:
			b.WriteString(t.s)
		case tZxid:
			b.WriteString(n.zxid(t.v))
		case tHZxid:
			b.WriteString(n.hzxid(t.v))
		case tTime:
			b.WriteString(n.time(t.v, t.z))
		case tSess:
			b.WriteString(n.sess(t.v))
		}
	}
	return b.String()
}

func (n *normalizer) zxid(v int64) string {
	if v == 0 || v == -1 {
		return fmt.Sprint(v)
	}
	if l, ok := n.labels[v]; ok {
		return l
	}
	n.newInStep++
	l := fmt.Sprintf("Z%d", n.step)
	if n.newInStep > 1 {
		l += string(rune('a' + n.newInStep - 1))
	}
	n.labels[v] = l
	i, _ := slices.BinarySearch(n.known, v)
	n.known = slices.Insert(n.known, i, v)
	if i < len(n.known)-1 {
		return l + "(<" + n.labels[n.known[i+1]] + ")"
	}
	return l
}

func (n *normalizer) hzxid(v int64) string {
	if v == 0 || v == -1 {
		return fmt.Sprint(v)
	}
	i, found := slices.BinarySearch(n.known, v)
	if found {
		return "~" + n.labels[v]
	}
	if i == 0 {
		return "~."
	}
	return "~" + n.labels[n.known[i-1]]
}

func (n *normalizer) time(v, z int64) string {
	if v == 0 {
		return "0"
	}
	label := "t(" + n.zxid(z) + ")"
	if prev, ok := n.times[z]; ok {
		if prev != v {
			label += "!time"
		}
		return label
	}
	n.times[z] = v
	for oz, ot := range n.times {
		if (oz < z && ot > v) || (oz > z && ot < v) {
			label += "!order"
			break
		}
	}
	t := time.UnixMilli(v)
	if t.Before(n.start.Add(-2*time.Second)) || t.After(n.end.Add(2*time.Second)) {
		label += "!clock"
	}
	return label
}

func (n *normalizer) sess(v int64) string {
	if v == 0 {
		return "0"
	}
	if l, ok := n.sessions[v]; ok {
		return l
	}
	l := fmt.Sprintf("S%d", len(n.sessions)+1)
	n.sessions[v] = l
	return l
}

// ---------------------------------------------------------------------
// The suite

// KnownDifference is one step where zkgate is known to answer unlike
