package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// persona is a system prompt a user can pick with /persona.
type persona struct {
	Name   string `yaml:"name" json:"name"`
	Title  string `yaml:"title" json:"title"`
	Prompt string `yaml:"prompt" json:"prompt"`
}

// personasFile is the document of SVSBOT_PERSONAS_FILE:
//
//	personas:
//	  - name: assistant          # the first one is the default
//	    title: Assistant         # what people see; "" shows the name
//	    prompt: You are a helpful assistant. Answer briefly.
//	  - name: teacher
//	    title: Patient teacher
//	    prompt: |
//	      You are a patient teacher...
type personasFile struct {
	Personas []persona `yaml:"personas" json:"personas"`
}

// parsePersonas reads a personas file: JSON when path ends in ".json",
// YAML otherwise. Unknown keys are errors, so a typo does not silently
// drop a prompt.
func parsePersonas(data []byte, path string) ([]persona, error) {
	var doc personasFile
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("not valid JSON: %w", err)
		}
	} else {
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("not valid YAML: %w", err)
		}
	}
	if len(doc.Personas) == 0 {
		return nil, errors.New(`no personas: want a "personas:" list of {name, title, prompt}`)
	}
	seen := map[string]bool{}
	for i := range doc.Personas {
		p := &doc.Personas[i]
		p.Name = strings.TrimSpace(p.Name)
		p.Title = strings.TrimSpace(p.Title)
		p.Prompt = strings.TrimSpace(p.Prompt)
		switch {
		case !validPersonaName(p.Name):
			return nil, fmt.Errorf("persona %d: name must be 1 to 32 letters, digits, \"_\" or \"-\"", i+1)
		case seen[strings.ToLower(p.Name)]:
			return nil, fmt.Errorf("persona %d: name %q is listed twice", i+1, p.Name)
		case p.Prompt == "":
			return nil, fmt.Errorf("persona %q: prompt is empty", p.Name)
		}
		seen[strings.ToLower(p.Name)] = true
	}
	return doc.Personas, nil
}

func validPersonaName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
