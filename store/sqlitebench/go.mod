module github.com/attnsearch/attnsearch/store/sqlitebench

go 1.26.8

replace github.com/attnsearch/attnsearch => ../..

require (
	github.com/attnsearch/attnsearch v0.0.0
	github.com/c-bata/goptuna v0.9.0
	gorm.io/driver/sqlite v1.5.3
	gorm.io/gorm v1.25.4
)

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/jinzhu/inflection v1.0.0 // indirect
	github.com/jinzhu/now v1.1.5 // indirect
	github.com/mattn/go-sqlite3 v1.14.17 // indirect
	go.etcd.io/bbolt v1.5.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
