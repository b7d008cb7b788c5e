package resource

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"testing"
)

// TestCSVWriterMatchesEncodingCSV checks that csvWriter writes every record byte for byte as
// encoding/csv writes the same record of csvValue texts, neutralised as neutralise says.
func TestCSVWriterMatchesEncodingCSV(t *testing.T) {
	texts := []string{"", "plain", "a,b", `say "hi"`, "line\nbreak", "cr\rhere", " lead", "\tlead", "\u00a0nbsp", `\.`, `\.x`,
		"=1+2", "+1", "-3.5", "@SUM(A1)", "\rx", "=a,b", `="q"`, "-\n", "'already", "é", "\u2028sep", "\"", ",", "x\r\n"}
	values := []any{nil, int64(-42), int64(0), 3.25, -0.5, 1e21, math.NaN(), math.Inf(1), true, false,
		json.RawMessage(`{"a": [1, "x,y"]}`), 7}
	for _, neutral := range []bool{false, true} {
		var record []any
		for _, s := range texts {
			record = append(record, s)
		}
		record = append(record, values...)
		for start := range record {
			// Every value also in the first column (no comma before it).
			rec := append([]any{record[start]}, record...)
			var want bytes.Buffer
			w := csv.NewWriter(&want)
			strs := make([]string, len(rec))
			for i, v := range rec {
				strs[i] = csvValue(v)
				if s, ok := v.(string); ok && neutral {
					strs[i] = neutralise(s)
				}
			}
			if err := w.Write(strs); err != nil {
				t.Fatal(err)
			}
			w.Flush()
			var got bytes.Buffer
			cw := newCSVWriter(&got)
			for i, v := range rec {
				cw.buf = cw.appendValue(cw.buf, i, v, neutral)
			}
			cw.buf = append(cw.buf, '\n')
			if err := cw.Flush(); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Fatalf("neutral=%v, record starting with %q:\ngot  %q\nwant %q", neutral, rec[0], got.String(), want.String())
			}
		}
	}
}
