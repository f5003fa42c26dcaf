package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"

	"github.com/spf13/cobra"

	"github.com/attnsearch/attnsearch/trainer/data"
)

// newDataCmd builds `attnsearch data`, which fetches real corpora.
func newDataCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Fetch real corpora (Tatoeba pairs from manythings.org/anki)",
	}
	cmd.AddCommand(newDataTatoebaCmd(stdout, stderr))
	return cmd
}

// newDataTatoebaCmd builds `attnsearch data tatoeba LANG --out DIR`.
func newDataTatoebaCmd(stdout, stderr io.Writer) *cobra.Command {
	var out, url string
	cmd := &cobra.Command{
		Use:   "tatoeba LANG",
		Short: "Download (or copy from a local file) and unpack the English–LANG Tatoeba pair file",
		Long: `Tatoeba downloads manythings.org/anki's pair file for LANG (a three-letter code: deu, fra,
spa, ita, …; the file LANG-eng.zip holds English<TAB>LANG<TAB>attribution lines from tatoeba.org,
CC BY 2.0 FR), keeps the archive in --out and unpacks its pair file to --out/LANG-eng.txt with
the licence notice _about.txt beside it. Train or search on it with --data:

  attnsearch run spaces/tatoeba.yaml --data DIR/LANG-eng.txt

--url (or the ` + data.TatoebaURLEnv + ` environment variable) replaces the address; %s in it stands
for LANG. Default: ` + data.TatoebaURL + `.

Offline, --url takes a local file instead, as a path or a file:// URL: the .zip archive fetched
on another machine (unpacked as a download is) or the pair file itself (.txt or .tsv, copied).
When anything fails, nothing of this run is left in --out (nor --out itself, when it created it).`,
		Example: `  attnsearch data tatoeba deu --out corpora
  attnsearch data tatoeba deu --out corpora --url ~/Downloads/deu-eng.zip
  attnsearch train spaces/tatoeba.yaml --data corpora/deu-eng.txt --set d_model=128,heads=4`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return inputErr(fmt.Errorf("data tatoeba: --out DIR is required"))
			}
			if err := data.CheckTatoebaLang(args[0]); err != nil {
				return inputErr(fmt.Errorf("LANG: %w", err))
			}
			if !c.Flags().Changed("url") {
				url = os.Getenv(data.TatoebaURLEnv)
			}
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt)
			defer stop()
			files, err := data.FetchTatoeba(ctx, http.DefaultClient, url, args[0], out)
			if err != nil {
				return err // data: tatoeba: ... names the step, the file and the remedy
			}
			fmt.Fprintf(stdout, "pairs: %s (%s)\n", files.Pairs, plural(files.Lines, "line", "lines"))
			if files.Zip != "" {
				fmt.Fprintf(stdout, "archive: %s\n", files.Zip)
			}
			if files.About != "" {
				fmt.Fprintf(stdout, "licence and attribution: %s\n", files.About)
			}
			fmt.Fprintf(stderr, "data tatoeba: run on it with: attnsearch run spaces/tatoeba.yaml --data %s\n", files.Pairs)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write the archive and the pair file to (created if needed)")
	cmd.Flags().StringVar(&url, "url", "", "address of the pair file, %s = LANG, or a local .zip/.txt file (path or file://) (default: $"+data.TatoebaURLEnv+", else "+data.TatoebaURL+")")
	return cmd
}
