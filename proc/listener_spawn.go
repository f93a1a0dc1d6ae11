package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// resolveListeners checks the Master's Listeners (no nil, no name twice)
// and gives each Worker those it names.
func (m *Master) resolveListeners() []error {
	var errs []error
	byName := map[string]*Listener{}
	for _, l := range m.Listeners {
		switch {
		case l == nil || l.file == nil && l.source != "check":
			errs = append(errs, fmt.Errorf("%w: a nil Listener (make them with Bind)", ErrListener))
		case byName[l.name] != nil:
			errs = append(errs, fmt.Errorf("%w: %q twice in Master.Listeners", ErrListener, l.name))
		default:
			byName[l.name] = l
		}
	}
	for i := range m.Workers {
		w := &m.Workers[i]
		w.listeners = nil
		if w.Listeners == nil {
			for _, l := range m.Listeners {
				if l != nil && l.file != nil {
					w.listeners = append(w.listeners, l)
				}
			}
			continue
		}
		for _, name := range w.Listeners {
			l := byName[name]
			if l == nil {
				errs = append(errs, fmt.Errorf("worker %q: %w: %q is not in Master.Listeners", w.Name, ErrListener, name))
				continue
			}
			w.listeners = append(w.listeners, l)
		}
	}
	return errs
}

// listenerFiles adds w's listeners to the worker's files, after those
// already there, and names their descriptors in its environment.
func listenerFiles(w *Worker, files []*os.File, env []string) ([]*os.File, []string) {
	if len(w.listeners) == 0 {
		return files, env
	}
	items := make([]string, 0, len(w.listeners))
	for _, l := range w.listeners {
		items = append(items, l.name+"="+strconv.Itoa(len(files)))
		files = append(files, l.file)
	}
	return files, append(env, listenersEnv+"="+strings.Join(items, ","))
}
