package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// weekPlaceholder is the data of a role's home page until its real page
// (the trainer's week, the clinic's requests, the coordinator's board)
// replaces it.
type weekPlaceholder struct {
	Period     string
	Prev, Next string
}

// placeholder renders the placeholder page for the week of monday, with
// links to the weeks around it under base ("/week/", "/board/").
func (s *Server) placeholder(c *gin.Context, name string, monday models.Date, base string) error {
	from, to := monday.Time(s.loc), monday.AddDays(6).Time(s.loc)
	lang := s.pageLang(c)
	p := weekPlaceholder{Period: from.Format(dateLayout(lang)) + " – " + to.Format(dateLayout(lang))}
	if base != "" {
		p.Prev, p.Next = base+string(monday.AddDays(-7)), base+string(monday.AddDays(7))
	}
	return s.render(c, http.StatusOK, "placeholder", name+".title", p, nil)
}

// mondayParam is the :monday path parameter, which must be a Monday.
func mondayParam(c *gin.Context) (models.Date, error) {
	d, err := models.ParseDate(c.Param("monday"))
	if err != nil || d.Monday() != d {
		return "", badRequest("monday", "the week must be named by its Monday, YYYY-MM-DD")
	}
	return d, nil
}

// boardRedirect sends /board to this week's board.
func (s *Server) boardRedirect(c *gin.Context) error {
	return seeOther(c, "/board/"+string(models.DateOf(s.now(), s.loc).Monday()))
}
