package gen

import (
	"strings"
	"testing"
)

const doc = `{"openapi": "3.1.0", "components": {"schemas": {
 "Error": {"type": "object", "properties": {"success": {"const": false}}},
 "thing_list": {"type": "object", "properties": {"meta": {"type": "object"}, "objects": {"type": "array"}}},
 "thing": {"type": "object", "description": "A thing.", "properties": {
  "id": {"type": "integer", "readOnly": true},
  "name": {"type": "string"},
  "weight": {"type": ["number", "null"]},
  "born": {"type": "string", "format": "date"},
  "seen": {"type": ["string", "null"], "format": "date-time"},
  "doc": {},
  "owner": {"type": ["object", "null"], "readOnly": true},
  "tags": {"type": "array", "items": {"type": "integer"}},
  "parts": {"type": "array", "items": {"type": "object"}},
  "resource_uri": {"type": "string", "readOnly": true}}}}}}`

func TestGenerate(t *testing.T) {
	src, err := Generate([]byte(doc), "things")
	if err != nil {
		t.Fatal(err)
	}
	// Compare with gofmt's alignment collapsed to single spaces.
	flat := strings.Join(strings.Fields(string(src)), " ")
	for _, want := range []string{
		"package things\n",
		"// Thing is an object of the thing resource: A thing.\ntype Thing struct {",
		"Born client.Date `json:\"born\"`",
		"Doc json.RawMessage `json:\"doc,omitempty\"`",
		"ID int64 `json:\"id,omitzero\"`",
		"Name string `json:\"name\"`",
		"Owner map[string]any `json:\"owner,omitempty\"`",
		"ResourceURI string `json:\"resource_uri,omitzero\"`",
		"Seen *time.Time `json:\"seen\"`",
		"Tags []int64 `json:\"tags,omitzero\"`",
		"Parts []map[string]any `json:\"parts,omitempty\"`",
		"Weight *float64 `json:\"weight\"`",
		"func Things(c *client.Client) *client.Manager[Thing] {\n\treturn client.For[Thing](c, \"thing\")\n}",
	} {
		if !strings.Contains(flat, strings.Join(strings.Fields(want), " ")) {
			t.Errorf("the source lacks %q:\n%s", want, src)
		}
	}
	if strings.Contains(string(src), "ThingList") || strings.Contains(string(src), "type Error") {
		t.Errorf("list envelopes and the error body are not resources:\n%s", src)
	}
	for _, bad := range []string{`{"openapi": "2.0"}`, `not json`, `{"openapi": "3.1.0", "components": {"schemas": {}}}`} {
		if _, err := Generate([]byte(bad), "x"); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
