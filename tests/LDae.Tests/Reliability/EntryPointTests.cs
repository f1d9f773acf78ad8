using LDae.Tests.Data;
using Xunit;

namespace LDae.Tests.Reliability;

/// <summary>
/// Every command of `ldae`, once, on an output as a build leaves it: each goes through the one start-up path that
/// makes libtorch loadable (the documented Data target once failed right after a build for want of it).
/// </summary>
public sealed class EntryPointTests
{
    [Fact]
    public void Every_command_runs_on_a_freshly_built_output()
    {
        using var fresh = new FreshOutput();
        using var checkout = new ScratchCheckout();
        using var dataCache = new TempDir();
        var cifar = Path.Combine(checkout.Root, "tiny-cifar.tar.gz");
        DataTestFiles.WriteTar(cifar, from split in new[] { "train", "test" } from c in new[] { "cat", "dog" } from i in Enumerable.Range(0, 2)
                                      select ($"{split}/{c}/{i}.png", (byte[]?)DataTestFiles.Png(i + (c == "dog" ? 50 : 0), 32, 32)));
        var commands = new (string Name, string[] Args, Dictionary<string, string>? Environment)[]
        {
            ("data", ["data", "--cifar", cifar], new() { ["LDAE_DATA"] = dataCache.Path }),
            ("resolve", ["resolve", "--row", TinyRow.Row, "--profile", "ci"], null),
            ("plan", ["plan", "--profile", "ci"], null),
            ("tokenizer", ["tokenizer", "--artifact", "tokenizer/pca-p8-d3", "--profile", "ci", .. TinyRow.Budget], null),
            ("pretrain", TinyRow.Args("pretrain"), null),
            ("probe", TinyRow.Args("probe"), null),
            ("run", TinyRow.Args("run"), null),
            ("fid", TinyRow.Args("fid", "--samples", "8", "--steps", "2"), null),
            ("report", ["report", "--profile", "ci"], null),
            ("results", ["results", "stamp", "--profile", "ci"], null),
            ("estimate", ["estimate", "--target", TinyRow.Row, "--profile", "ci"], new() { ["LDAE_CACHE"] = dataCache.Path }),
            ("bench", ["bench", "--profile", "ci", "--steps", "2", "--warmup", "1", "--probe-images", "64", "--matmul-size", "64", "--breakdown-steps", "1"], null),
        };
        var help = LdaeProcess.Run(checkout, ["--help"], fresh.Dir);
        var listed = help.Out.Split('\n').SkipWhile(l => !l.StartsWith("Commands:")).Skip(1)
            .Select(l => l.Trim().Split(' ')[0]).Where(c => c.Length > 0).ToList();
        Assert.Equal(listed.Order(), commands.Select(c => c.Name).Order());

        foreach (var (name, args, environment) in commands)
        {
            var exit = LdaeProcess.Run(checkout, args, fresh.Dir, environment);
            Assert.True(exit.Code == 0, $"ldae {name}: {exit}");
            Assert.DoesNotContain("doesn't contain a reference", exit.Out + exit.Error);
            Assert.False(Directory.Exists(fresh.FallbackFolder), $"ldae {name}: TorchSharp fell back to copying libtorch");
        }

        // pretrain, then probe: the probed row carries its training numbers, and run then finds it done.
        var metrics = TinyRow.Metrics(checkout);
        Assert.NotNull(metrics.FinalLoss);
        Assert.Equal(32, metrics.PretrainSteps);
        Assert.True(File.Exists(Path.Combine(checkout.Results, "ci", "report", "index.md")));
    }
}
