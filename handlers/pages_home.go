package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

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
