package dialect_test

import (
	"os/exec"
	"strings"
	"testing"
)

// purePackages are the framework's packages that link no database driver: they build without cgo,
// and a program built on them links only the driver packages it imports (dialect/sqlite needs cgo,
// dialect/postgres does not).
var purePackages = []string{
	"./apierror", "./field", "./filters", "./dialect", "./dialect/postgres", "./resource", "./modelresource",
	"./nonmodel", "./locations", "./auth", "./throttle", "./observe", "./migrations",
}

func TestPurePackagesBuildWithoutCgo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	list := exec.Command(goTool, append([]string{"list", "-deps"}, purePackages...)...)
	list.Dir = ".."
	deps, err := list.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, deps)
	}
	if strings.Contains(string(deps), "github.com/mattn/go-sqlite3") {
		t.Errorf("go-sqlite3 is among the dependencies of %v", purePackages)
	}
	build := exec.Command(goTool, append([]string{"build"}, purePackages...)...)
	build.Dir = ".."
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Errorf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
}
