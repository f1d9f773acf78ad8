using LDae.Cli;
using Xunit;

namespace LDae.Tests.Reliability;

/// <summary>
/// A corpus of broken experiments/*.yaml: each is an input error (exit 2) with one line naming the file and the line
/// or key, raised when the configuration is read or resolved — before any work and before results/ is touched.
/// </summary>
public sealed class BrokenConfigTests : IDisposable
{
    readonly ScratchCheckout checkout = new();

    public void Dispose() => checkout.Dispose();

    const string Table = "table: broken\nrows:\n  - id: r\n    title: a row\n";

    public static TheoryData<string, string, string[]> Corpus => new()
    {
        // file, text (appended to profiles.yaml, or the whole of broken.yaml), what the one line must name
        { "broken.yaml", Table + "    set: {objective.prediction: epsilon\n  - id: s\n    title: another\n", ["broken.yaml:5:", "'{'", "never closed"] },
        { "broken.yaml", Table + "    change: [unclosed, list\n", ["broken.yaml:5:", "'['", "never closed"] },
        { "broken.yaml", "table: broken\nrows: [\n  {id: r, title: x},\n", ["broken.yaml:2:", "'['"] },
        { "broken.yaml", Table + "    title: 'no closing quote\n", ["broken.yaml:5:", "not valid YAML"] },
        { "broken.yaml", "{a: 1}: 2\n", ["broken.yaml:1:", "used as a key"] },
        { "broken.yaml", "", ["broken.yaml", "not a mapping"] },
        { "broken.yaml", Table + "    set: {objective.prediction: noise}\n", ["broken.yaml", "'objective.prediction'", "epsilon, clean-data, original-image"] },
        { "broken.yaml", Table + "    set: {train.epochs: 3}\n", ["broken.yaml", "'train.epochs'", "only a profile may set it"] },
        { "broken.yaml", Table + "    set: {objective.residual_weight: -1}\n", ["broken.yaml", "'objective.residual_weight'", "≥ 0"] },
        { "profiles.yaml", "\nbroken:\n  train: {epochs: 0}\n", ["profiles.yaml", "'train.epochs'", "is 0", "≥ 1"] },
        { "profiles.yaml", "\nbroken:\n  train: {epochs: -3}\n", ["profiles.yaml", "'train.epochs'", "is -3"] },
        { "profiles.yaml", "\nbroken:\n  train: {lr: 0}\n", ["profiles.yaml", "'train.lr'", "> 0"] },
        { "profiles.yaml", "\nbroken:\n  probe: {batch_size: 0}\n", ["profiles.yaml", "'probe.batch_size'"] },
        { "profiles.yaml", "\nbroken:\n  extends: ci\n  train: {epochs: 3, batch_size: 128\n", ["profiles.yaml:", "'{'", "never closed"] },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void A_broken_experiments_file_is_one_line_naming_file_and_line_or_key(string file, string text, string[] named)
    {
        var path = Path.Combine(checkout.Experiments, file);
        if (file == "profiles.yaml") File.AppendAllText(path, text);
        else File.WriteAllText(path, text);
        var before = checkout.SnapshotResults();
        foreach (var args in new[] { new[] { "resolve", "--row", "table3/pca-ddm", "--profile", "ci" }, ["run", "--row", "table3/pca-ddm", "--profile", "ci"] })
        {
            var (output, error) = (new StringWriter(), new StringWriter());
            int code = LdaeCli.Run(args, output, error, () => checkout.Root);
            Assert.True(code == 2, $"{args[0]}: exit {code}: {error}");
            var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
            foreach (var part in named) Assert.Contains(part, line);
            Assert.Equal(before, checkout.SnapshotResults());
        }
    }

    [Fact]
    public void A_size_that_breaks_the_model_is_caught_when_the_row_is_resolved_naming_the_key()
    {
        File.AppendAllText(Path.Combine(checkout.Experiments, "profiles.yaml"), "\nbroken:\n  extends: ci\n  sizes:\n    half-large: {width: 64, depth: 3, heads: 2}\n");
        var (output, error) = (new StringWriter(), new StringWriter());
        Assert.Equal(2, LdaeCli.Run(["run", "--row", "table3/pca-ddm", "--profile", "broken"], output, error, () => checkout.Root));
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("table3/pca-ddm at profile broken", line);
        Assert.Contains("'sizes.half-large.depth' is 3, odd", line);
        Assert.Empty(checkout.SnapshotResults());
    }
}
