package main

import (
	"fmt"
	"io"
	"strings"
)

// defaultAPIURL is where `app serve` answers by default, for the curl lines of new keys.
const defaultAPIURL = "http://127.0.0.1:8000/api/v1/"

// showKey prints a new API key, the only time it is ever shown, with a curl line to paste. A
// prominent key (the demo admin's, among the server's log lines) is framed.
func showKey(w io.Writer, username, key, apiURL string, prominent bool) {
	rule := ""
	if prominent {
		rule = strings.Repeat("=", 100) + "\n"
	}
	fmt.Fprintf(w, "%sAPI key of %q (shown only this once; only its hash is stored):\n\n    %s\n\n", rule, username, key)
	fmt.Fprintf(w, "Try it:\n    curl -H 'Authorization: Bearer %s' '%sindicator/?limit=2'\n", key, apiURL)
	fmt.Fprintf(w, "Tastypie's header works too: -H 'Authorization: ApiKey %s:%s'\n%s", username, key, rule)
}
