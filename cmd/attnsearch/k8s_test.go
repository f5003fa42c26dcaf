package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/attnsearch/attnsearch/space"
)

// k8sDoc is the part of a Kubernetes manifest the test reads.
type k8sDoc struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Parallelism *int `yaml:"parallelism"`
		Completions *int `yaml:"completions"`
		Template    struct {
			Spec struct {
				RestartPolicy string `yaml:"restartPolicy"`
				Containers    []struct {
					Command []string `yaml:"command"`
					Args    []string `yaml:"args"`
					Env     []struct {
						Name      string `yaml:"name"`
						ValueFrom struct {
							SecretKeyRef struct {
								Name string `yaml:"name"`
								Key  string `yaml:"key"`
							} `yaml:"secretKeyRef"`
						} `yaml:"valueFrom"`
					} `yaml:"env"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// TestKubernetesJob parses spaces/k8s/job.yaml and checks that its worker command is a valid
// `attnsearch run` command line (flags this CLI knows, a shipped space file) and that the store
// URL comes from the Secret as ATTNSEARCH_DB.
func TestKubernetesJob(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "spaces", "k8s", "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(false)
	docs := map[string]k8sDoc{}
	for {
		var d k8sDoc
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("job.yaml: %v", err)
		}
		docs[d.Kind] = d
	}
	job, ok := docs["Job"]
	if !ok {
		t.Fatal("job.yaml has no Job")
	}
	if p := job.Spec.Parallelism; p == nil || *p < 2 {
		t.Errorf("parallelism %v: want several worker pods", p)
	}
	if c, p := job.Spec.Completions, job.Spec.Parallelism; c == nil || p == nil || *c != *p {
		t.Errorf("completions %v: want one per pod (each exits 0 when the study is done)", c)
	}
	if rp := job.Spec.Template.Spec.RestartPolicy; rp != "OnFailure" && rp != "Never" {
		t.Errorf("restartPolicy %q: a Job needs OnFailure or Never", rp)
	}
	if len(job.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(job.Spec.Template.Spec.Containers))
	}
	c := job.Spec.Template.Spec.Containers[0]
	argv := append(append([]string{}, c.Command...), c.Args...)
	if len(argv) < 3 || argv[0] != "attnsearch" || argv[1] != "run" {
		t.Fatalf("command %q: want attnsearch run SPACE.yaml …", argv)
	}
	root := newRootCmd(io.Discard, io.Discard)
	cmd, rest, err := root.Find(argv[1:])
	if err != nil || cmd.Name() != "run" {
		t.Fatalf("command %q: %v", argv, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("command %q: %v", argv, err)
	}
	if cmd.Flags().Changed("db") {
		t.Error("the store URL belongs in the Secret (ATTNSEARCH_DB), not on the command line")
	}
	pos := cmd.Flags().Args()
	if len(pos) != 1 || !strings.HasPrefix(pos[0], "/spaces/") {
		t.Fatalf("positional arguments %q: want one space file under the /spaces mount", pos)
	}
	// The space file is one of the shipped ones (the ConfigMap is made from it), and it parses.
	if _, err := space.Load(filepath.Join("..", "..", "spaces", filepath.Base(pos[0]))); err != nil {
		t.Errorf("space file %s: %v", pos[0], err)
	}
	secret, ok := docs["Secret"]
	if !ok {
		t.Fatal("job.yaml has no Secret with the store URL")
	}
	found := false
	for _, e := range c.Env {
		if e.Name == envDB {
			ref := e.ValueFrom.SecretKeyRef
			u, ok := secret.StringData[ref.Key]
			if ref.Name != secret.Metadata.Name || !ok {
				t.Errorf("%s comes from secret %s key %s, which job.yaml does not define", envDB, ref.Name, ref.Key)
			}
			if !strings.HasPrefix(u, "postgres://") {
				t.Errorf("store URL %q: want postgres://", u)
			}
			found = true
		}
	}
	if !found {
		t.Errorf("no %s in the worker's environment", envDB)
	}
}
