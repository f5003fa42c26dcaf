// Package sqlitebench benchmarks the bbolt store against goptuna's RDB storage on SQLite, side by side.
//
// It is a separate module so that the main module (and CI) needs neither gorm nor cgo SQLite:
//
//	cd store/sqlitebench && go test -bench . -benchtime 200x
package sqlitebench
