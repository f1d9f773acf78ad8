using LDae.Cli;
using Xunit;

namespace LDae.Tests.Reliability;

/// <summary>
/// The command line a hostile but realistic user types: every mistake is exit code 2 (3 for a row whose method part
/// does not exist yet) with one line on stderr naming the option or key, and nothing under results/ changes.
/// Run in-process through the same entry point as the `ldae` executable (<see cref="LdaeCli.Run(string[], TextWriter, TextWriter)"/>).
/// </summary>
public sealed class CommandLineTests : IDisposable
{
    readonly ScratchCheckout checkout = new();

    public void Dispose() => checkout.Dispose();

    (int Code, string Out, string Error) Ldae(params string[] args) => checkout.Ldae(args);

    [Theory]
    [InlineData("run table3/predict-original-image", "--row")]                            // the row without --row
    [InlineData("run --row table3/x --profile ci", "--row table3/x")]                     // no such row
    [InlineData("run --row nowhere/x --profile ci", "--row nowhere/x")]                   // no such table
    [InlineData("run --row table3/pca-ddm --profile", "--profile")]                       // an option without its value
    [InlineData("run --row table3/pca-ddm --profile nope", "--profile nope")]
    [InlineData("run --row table3/pca-ddm --row table3/pca-ddm-2 --profile ci", "--row")] // given twice
    [InlineData("run --row table3/pca-ddm --profile ci --stop-after abc", "--stop-after")]
    [InlineData("run --row table3/pca-ddm --profile ci --stop-after -5", "--stop-after")]
    [InlineData("run --row table3/pca-ddm --profile ci --device tpu", "--device")]
    [InlineData("run --row table3/pca-ddm --profile ci --force=maybe", "maybe")]
    [InlineData("run --row table3/pca-ddm --profile ci --epochs 3", "--epochs")]          // not an option of run
    [InlineData("run --row table3/pca-ddm --profile ci --set train.epochs", "--set")]     // not KEY=VALUE
    [InlineData("run --row table3/pca-ddm --profile ci --set train.epoch=3", "train.epoch")]
    [InlineData("run --row table3/pca-ddm --profile ci --set train.epochs=0", "train.epochs")]
    [InlineData("run --row table3/pca-ddm --profile ci --set train.epochs=-3", "train.epochs")]
    [InlineData("run --row table3/pca-ddm --profile ci --set train.epochs=three", "train.epochs")]
    [InlineData("run --row table3/pca-ddm --profile ci --set train.ema=1", "train.ema")]
    [InlineData("run --row table3/pca-ddm --profile ci --set train.epochs=3 --set train.epochs=4", "train.epochs")]
    [InlineData("run --row table3/pca-ddm --profile ci --set backbone.width=64", "backbone.width")] // derived
    [InlineData("run --row table3/pca-ddm --profile ci --set sizes.half-large.depth=3", "sizes.half-large.depth")]
    [InlineData("run --row table3/pca-ddm --profile ci --set train.batch_size=4096", "data.train_subset")]
    [InlineData("run --row table3/pca-ddm --profile ci --set noise.schedule=cosine", "noise.schedule")]
    [InlineData("pretrain --row table3/pca-ddm --profile ci --reuse-twin", "--reuse-twin")]  // run's option only
    [InlineData("probe --row table3/pca-ddm --profile ci --stop-after 3", "--stop-after")]
    [InlineData("tokenizer --profile ci", "--artifact")]
    [InlineData("tokenizer --artifact tokenizer/nothing --profile ci", "--artifact tokenizer/nothing")]
    [InlineData("resolve --profile ci", "--row")]
    [InlineData("bench --steps 0", "--steps")]
    [InlineData("bench --omp-wait sometimes", "--omp-wait")]
    [InlineData("frobnicate", "frobnicate")]
    public void A_wrong_command_line_is_one_line_naming_the_option_with_exit_code_2_and_writes_nothing(string args, string named)
    {
        var before = checkout.SnapshotResults();
        var (code, _, error) = Ldae(args.Split(' '));
        Assert.True(code == 2, $"exit {code}: {error}");
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("ldae", line);
        Assert.Contains(named, line);
        Assert.Equal(before, checkout.SnapshotResults());
    }

    [Fact]
    public void A_row_the_profile_cannot_run_says_so_with_exit_code_3()
    {
        var (code, _, error) = Ldae("run", "--row", "encoder-split/k-plus-2", "--profile", "ci");
        Assert.Equal(3, code);
        Assert.Contains("not at this profile: probing after k blocks", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Empty(checkout.SnapshotResults());
    }

    [Fact]
    public void A_file_where_the_profile_folder_should_be_is_named_and_nothing_else_is_written()
    {
        File.WriteAllText(Path.Combine(checkout.Results, "ci"), "not a folder");
        var before = checkout.SnapshotResults();
        var (code, _, error) = Ldae("run", "--row", "table3/pca-ddm", "--profile", "ci");
        Assert.Equal(2, code);
        Assert.Contains(Path.Combine(checkout.Results, "ci") + " is a file", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(before, checkout.SnapshotResults());
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("not an archive")]
    public void A_corrupt_cifar_tarball_is_one_line_naming_it_and_nothing_is_written(string damage)
    {
        var tarball = Path.Combine(checkout.Root, "cifar.tar.gz");
        Data.DataTestFiles.WriteTar(tarball, from split in new[] { "train", "test" } from c in new[] { "cat", "dog" } from i in Enumerable.Range(0, 20)
                                             select ($"{split}/{c}/{i}.png", (byte[]?)Data.DataTestFiles.Png(i, 32, 32)));
        var bytes = File.ReadAllBytes(tarball);
        File.WriteAllBytes(tarball, damage == "truncated" ? bytes[..(bytes.Length / 2)] : System.Text.Encoding.ASCII.GetBytes(new string('x', 5000)));
        var cache = Path.Combine(checkout.Root, "data-cache");
        var previous = Environment.GetEnvironmentVariable("LDAE_DATA");
        Environment.SetEnvironmentVariable("LDAE_DATA", cache); // no official CIFAR-10 binary to fall back on
        try
        {
            var (code, _, error) = Ldae("run", "--row", "table3/pca-ddm", "--profile", "ci", "--set", "data.dataset=cifar10", "--set", $"data.path={tarball}");
            Assert.True(code == 2, $"exit {code}: {error}");
            Assert.Contains($"{tarball}: ", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        }
        finally
        {
            Environment.SetEnvironmentVariable("LDAE_DATA", previous);
        }
        Assert.Empty(checkout.SnapshotResults());
        Assert.Empty(Directory.Exists(cache) ? Directory.GetFiles(cache, "*.ldds", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public void Cuda_without_a_gpu_is_an_input_error_before_anything_is_written()
    {
        var (code, _, error) = Ldae("run", "--row", "table3/pca-ddm", "--profile", "ci", "--device", "cuda", "--force");
        Assert.Equal(2, code);
        Assert.Contains("--device cuda: no CUDA device", Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Empty(checkout.SnapshotResults());
    }

    [Theory]
    [InlineData("run", "--row --profile --device --force --set --seeds --seed --reuse-twin --stop-after")]
    [InlineData("pretrain", "--row --profile --device --force --set --seeds --seed --stop-after")]
    [InlineData("probe", "--row --profile --device --force --set --seeds --seed")]
    [InlineData("tokenizer", "--artifact --profile --set --device --force")]
    [InlineData("data", "--cifar --profile --device --force")]
    [InlineData("resolve", "--row --profile --set --device --force")]
    [InlineData("plan", "--profile --device --force")]
    [InlineData("report", "--profile --device --force")]
    [InlineData("estimate", "--target --profile --set --remeasure --matmul-gflops --json --seeds --device --force")]
    [InlineData("bench", "--row --profile --steps --warmup --threads --replicas --probe-images --matmul-size --breakdown-steps --tokenizer --sampler --sample-images --omp-wait --precision --json --device --force")]
    [InlineData("fid", "--row --profile --samples --steps --sampler --guidance --inception --fetch-inception --seeds --set --device --force")]
    public void Every_command_has_help_that_lists_each_of_its_options(string command, string options)
    {
        foreach (var help in new[] { "--help", "-h" })
        {
            var (code, output, error) = Ldae(command, help);
            Assert.Equal(0, code);
            Assert.Empty(error);
            var listed = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("--", StringComparison.Ordinal))
                .Select(l => l.Split(' ', '=')[0]).Where(o => o != "--help").ToList();
            Assert.Equal(options.Split(' ').Order(), listed.Order());
        }
    }

    [Fact]
    public void Without_a_command_ldae_lists_the_commands()
    {
        var (code, output, _) = Ldae();
        Assert.Equal(0, code);
        foreach (var command in new[] { "run", "pretrain", "probe", "tokenizer", "data", "resolve", "plan", "report", "estimate", "bench", "fid" })
            Assert.Contains($"  {command} ", output);
    }

    [Fact]
    public void Overrides_change_the_hash_are_shown_with_their_scope_and_a_false_switch_is_false()
    {
        var (code, plain, _) = Ldae("resolve", "--row", "table3/pca-ddm", "--profile", "ci", "--force=false");
        Assert.Equal(0, code);
        var (code2, changed, _) = Ldae("resolve", "--row", "table3/pca-ddm", "--profile", "ci", "--set", "train.epochs=10", "--set", "noise.schedule=ddpm-linear-beta");
        Assert.Equal(0, code2);
        string Hash(string text) => text.Split('\n')[0].Split("config ")[1].Trim();
        Assert.NotEqual(Hash(plain), Hash(changed));
        Assert.Contains("# --set train.epochs=10 (scale: resizes the row)", changed);
        Assert.Contains("# --set noise.schedule=ddpm-linear-beta (semantic: changes what the row means)", changed);
        Assert.Contains("  epochs: 10\n", changed);
        Assert.Contains("  schedule: ddpm-linear-beta\n", changed);
    }
}
