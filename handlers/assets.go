package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fieldvisit/fieldvisit/models"
)

// staticPrefix starts every asset URL: /static/<version>/<path>.
const staticPrefix = "/static/"

// assets serves the embedded static files. version is a hash of all their
// content, so URLs change with every change of any file and browsers may
// cache them for a year.
type assets struct {
	files   fs.FS
	version string
}

func newAssets(files fs.FS) (*assets, error) {
	h := sha256.New()
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash static files: %w", err)
	}
	return &assets{files: files, version: hex.EncodeToString(h.Sum(nil))[:12]}, nil
}

// url is the versioned address of the asset at p ("app.css").
func (a *assets) url(p string) string { return staticPrefix + a.version + "/" + p }

// serveStatic answers /static/:version/*path. A current version is cached
// for a year (immutable); an old one (a page from before a deploy) still
// gets today's file, but browsers must revalidate it.
func (s *Server) serveStatic(c *gin.Context) error {
	p := strings.TrimPrefix(path.Clean("/"+c.Param("path")), "/")
	b, err := fs.ReadFile(s.assets.files, p)
	if errors.Is(err, fs.ErrNotExist) || p == "" || p == "." {
		return fmt.Errorf("static file %q: %w", p, models.ErrNotFound)
	}
	if err != nil {
		// A directory is not a file either.
		return fmt.Errorf("static file %q: %w", p, models.ErrNotFound)
	}
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" {
		ct = "application/octet-stream"
	}
	if c.Param("version") == s.assets.version {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, ct, b)
	return nil
}
