package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// auditPage is the data of /audit: the filter form's choices, one page of
// entries and the link to the next page (with the same filters).
type auditPage struct {
	Entries  []auditRow
	Entities []string
	Actors   []option
	Archived bool
	NextHref string
}

// auditRow is one entry with its actor's name and, for documents that
// have an admin page, a link to it.
type auditRow struct {
	models.AuditEntry
	Actor, Href string
}

// auditFilterFields are the filter form's fields.
var auditFilterFields = []string{"entity", "entity_id", "actor", "since", "archived"}

// auditLinks are the admin pages an entry's document opens on.
var auditLinks = map[string]string{"clinic": "/clinics/", "trainer": "/trainers/", "user": "/users/"}

// auditPageView answers GET /audit: the audit log with the API's filters
// (auditFilter, the same reading as GET /api/v1/audit) and paging. A filter
// the API would refuse is shown next to its field, with no entries.
func (s *Server) auditPageView(c *gin.Context) error {
	q := c.Request.URL.Query()
	if err := knownQuery(q, append(slices.Clone(auditFilterFields), "after")...); err != nil {
		return err
	}
	f := &form{Values: map[string]string{}}
	for _, name := range auditFilterFields {
		f.Values[name] = strings.TrimSpace(q.Get(name))
	}
	p := auditPage{Archived: f.Values["archived"] == "true"}
	var err error
	if p.Actors, p.Entities, err = s.auditChoices(c, f.Values["actor"]); err != nil {
		return err
	}
	names := map[string]string{}
	for _, a := range p.Actors {
		names[a.Value] = a.Label
	}
	filter, archived, page, err := s.auditFilter(q)
	var bad *badRequestError
	if errors.As(err, &bad) {
		name := bad.field
		if _, ok := f.Values[name]; !ok {
			name = ""
		}
		msg := bad.detail
		if s.pages.cat.has("validation." + msg) {
			msg = s.tr(c, "validation."+msg)
		}
		f.fail(name, msg)
		return s.render(c, http.StatusBadRequest, "audit", "", p, f)
	}
	if err != nil {
		return err
	}
	read := s.auditLog.AuditEntries
	if archived {
		read = s.auditLog.ArchivedAuditEntries
	}
	items, err := read(c, filter, page)
	if err != nil {
		return fmt.Errorf("list audit entries: %w", err)
	}
	for _, e := range items {
		row := auditRow{AuditEntry: e, Actor: names[e.ActorID]}
		if base, ok := auditLinks[e.Entity]; ok && models.ValidID(e.EntityID) {
			row.Href = base + e.EntityID
		}
		p.Entries = append(p.Entries, row)
	}
	if len(items) > 0 {
		if next := nextCursor(len(items), page, items[len(items)-1].ID); next != "" {
			nq := url.Values{}
			for _, name := range auditFilterFields {
				if v := f.Values[name]; v != "" {
					nq.Set(name, v)
				}
			}
			nq.Set("after", next)
			p.NextHref = "/audit?" + nq.Encode()
		}
	}
	return s.render(c, http.StatusOK, "audit", "", p, f)
}

// auditChoices are the filter's choices: every account as an actor, and
// the entities routes write (their first path segment, as auditEntry
// names them).
func (s *Server) auditChoices(c *gin.Context, actor string) ([]option, []string, error) {
	var actors []option
	err := everyItem(func(p models.Page) ([]models.User, error) { return s.users.Users(c, p) },
		func(u *models.User) string { return u.ID },
		func(u *models.User) {
			actors = append(actors, option{Value: u.ID, Label: u.Name + " (" + u.Email + ")", Selected: u.ID == actor})
		})
	if err != nil {
		return nil, nil, fmt.Errorf("list accounts for the audit filter: %w", err)
	}
	var entities []string
	for _, r := range s.routes() {
		if segs := routeSegments(r.path); strings.HasPrefix(r.path, "/api/v1/") && len(segs) > 0 {
			if e := singular(segs[0]); !slices.Contains(entities, e) {
				entities = append(entities, e)
			}
		}
	}
	slices.Sort(entities)
	return actors, entities, nil
}
