package speccheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMissingSpecUnderCI(t *testing.T) {
	empty := t.TempDir()
	t.Run("without CI a missing spec checks nothing", func(t *testing.T) {
		s, err := readAll(empty, false)
		if err != nil || len(s.Files()) != 0 {
			t.Errorf("readAll = %v, %v; want an empty Spec", s, err)
		}
	})
	t.Run("under CI a missing spec is an error", func(t *testing.T) {
		_, err := readAll(empty, true)
		if err == nil {
			t.Fatal("readAll succeeded")
		}
		for _, want := range []string{"twilio_chat_v1.json, twilio_chat_v2.json, twilio_chat_v3.json not found in " + empty, CIEnv + " is set", DirEnv} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})
	t.Run("under CI one missing file is an error", func(t *testing.T) {
		dir := t.TempDir()
		for _, name := range Files[:2] {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"paths": {}}`), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := readAll(dir, true); err == nil || !strings.Contains(err.Error(), Files[2]+" not found") {
			t.Errorf("readAll = %v, want %s reported missing", err, Files[2])
		}
		if err := os.WriteFile(filepath.Join(dir, Files[2]), []byte(`{"paths": {}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if s, err := readAll(dir, true); err != nil || len(s.Files()) != 3 {
			t.Errorf("readAll with every file = %v, %v", s, err)
		}
	})
}
