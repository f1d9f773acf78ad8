using System.Net;
using Markdig;

namespace LDae.Reporting;

/// <summary>The Markdown report as one plain, self-contained HTML page (inline CSS; images beside it, relative paths).</summary>
public static class ReportHtml
{
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().Build();

    const string Css = """
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
        h1 { border-bottom: 2px solid #ddd; padding-bottom: .3em; }
        h2 { border-bottom: 1px solid #eee; padding-bottom: .2em; margin-top: 2em; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
        th, td { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }
        th { background: #f4f4f4; }
        tr:nth-child(even) td { background: #fafafa; }
        code { background: #f4f4f4; padding: 0 3px; border-radius: 3px; }
        img { max-width: 100%; height: auto; display: block; margin: 1em 0 0.2em; border: 1px solid #eee; }
        p > em:only-child { color: #555; font-size: 0.9em; }
        """;

    public static string Render(string markdown, string title)
    {
        var body = Markdown.ToHtml(markdown, Pipeline);
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            + $"<title>{WebUtility.HtmlEncode(title)}</title>\n<style>\n{Css}\n</style>\n</head>\n<body>\n{body}</body>\n</html>\n";
    }
}
