package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// defaultAddr is where `app serve` listens unless its --addr says otherwise.
const defaultAddr = "127.0.0.1:8000"

// apiURL is the API's root on a server listening on addr (host:port).
func apiURL(addr string) string { return "http://" + addr + "/api/v1/" }

// serverAddrFlag adds --addr to a command that prints a new key (createuser, createkey): where the
// server the key is meant for listens, for the curl line. Those commands do not talk to a server, so
// they cannot know its address; the flag says it, and the output says where it came from.
func serverAddrFlag(fs *flag.FlagSet) *string {
	return fs.String("addr", defaultAddr, "the address `app serve` listens on (its --addr), used only in the curl line printed with the key")
}

// showKey prints a new API key, the only time it is ever shown, with a curl line to paste against the
// API at url; where, when not empty, says where that address comes from. A prominent key (the demo
// admin's, among the server's log lines) is framed.
func showKey(w io.Writer, username, key, url, where string, prominent bool) {
	rule := ""
	if prominent {
		rule = strings.Repeat("=", 100) + "\n"
	}
	fmt.Fprintf(w, "%sAPI key of %q (shown only this once; only its hash is stored):\n\n    %s\n\n", rule, username, key)
	if where != "" {
		where = " (" + where + ")"
	}
	fmt.Fprintf(w, "Try it%s:\n    curl -H 'Authorization: Bearer %s' '%sindicator/?limit=2'\n", where, key, url)
	fmt.Fprintf(w, "Tastypie's header works too: -H 'Authorization: ApiKey %s:%s'\n%s", username, key, rule)
}

// showIssuedKey prints a key issued by createuser or createkey, for a server at addr (their --addr).
func showIssuedKey(w io.Writer, fs *flag.FlagSet, username, key, addr string) {
	where := "with app serve listening on " + addr + ", its default; give --addr for another address"
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "addr" {
			where = "with app serve listening on " + addr + ", as --addr says"
		}
	})
	showKey(w, username, key, apiURL(addr), where, false)
}
