//go:build tools

// This file pins the project's dependencies while the packages that use them
// are being written; it is removed once every dependency has a real importer.
package tools

import (
	_ "github.com/FerretDB/FerretDB/ferretdb"
	_ "github.com/emersion/go-ical"
	_ "github.com/emersion/go-smtp"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/gin-gonic/gin"
	_ "github.com/jordan-wright/email"
	_ "github.com/robfig/cron/v3"
	_ "go.mongodb.org/mongo-driver/v2/mongo"
	_ "golang.org/x/crypto/bcrypt"
)
