package gozk

import (
	"testing"

	"github.com/zkgate/zkgate/e2e/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }
