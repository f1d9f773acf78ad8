using LDae.Runtime;
using LDae.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tests.Training;

/// <summary>A two-layer MLP with a LayerNorm (so it has weight matrices, biases and a 1-D norm scale).</summary>
sealed class TinyMlp : nn.Module<Tensor, Tensor>
{
    readonly Linear fc1;
    readonly LayerNorm norm;
    readonly Linear fc2;

    public TinyMlp(int input = 8, int hidden = 16, int output = 4) : base(nameof(TinyMlp))
    {
        fc1 = nn.Linear(input, hidden);
        norm = nn.LayerNorm(hidden);
        fc2 = nn.Linear(hidden, output);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(nn.functional.gelu(norm.forward(fc1.forward(x))));
}

/// <summary>A temporary directory deleted on dispose.</summary>
sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ldae-test-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string Sub(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}

static class Synthetic
{
    /// <summary>Regression data y = W x + noise, from a fixed generator.</summary>
    public static (Tensor X, Tensor Y) Regression(int n = 256, int input = 8, int output = 4, long seed = 7)
    {
        using var g = Seeding.Generator(seed, "test-data");
        var x = randn(new long[] { n, input }, generator: g);
        using var w = randn(new long[] { input, output }, generator: g);
        var y = x.matmul(w).add_(randn(new long[] { n, output }, generator: g).mul_(0.1));
        return (x, y);
    }

    /// <summary>A model built after seeding, so two calls with the same seed give the same initial weights.</summary>
    public static TinyMlp Model(long seed)
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        using var _ = Seeding.Seed(seed);
        return new TinyMlp();
    }

    /// <summary>MSE on inputs perturbed with noise from the step generator (so the per-step RNG matters),
    /// with two named parts.</summary>
    public static Func<Batch, Generator, StepLoss> NoisyMse(TinyMlp model) => (batch, g) =>
    {
        var noisy = batch.X + 0.05 * randn(batch.X.shape, generator: g);
        var err = (model.forward(noisy) - batch.Y!).pow(2);
        var first = err.narrow(1, 0, 2).mean();
        var rest = err.narrow(1, 2, 2).mean();
        return new StepLoss(0.5 * (first + rest), new Dictionary<string, Tensor> { ["first"] = first, ["rest"] = rest });
    };

    public static bool SameParameters(nn.Module a, nn.Module b)
    {
        var pa = a.state_dict();
        var pb = b.state_dict();
        return pa.Count == pb.Count && pa.All(kv => pb.TryGetValue(kv.Key, out var other) && Same(kv.Value, other));
    }

    /// <summary>Same shape and bit-for-bit equal values.</summary>
    public static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var eq = a.eq(b);
        using var all = eq.all();
        return all.item<bool>();
    }
}
