using LDae.Tests.Method;
using static TorchSharp.torch;

namespace LDae.Tests.Tokenizers.Learned;

/// <summary>Synthetic shapes as the trainer takes them: uint8 N×C×S×S, plus dummy labels.</summary>
public static class LearnedTokenizerTestData
{
    public static Tensor ShapesUint8(int count, int channels = 1, int size = 16, int seed = 0)
    {
        using var scope = NewDisposeScope();
        var x = SyntheticShapes.Make(count, channels, size, seed);
        return ((x + 1) * 127.5).round().clamp(0, 255).to_type(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    public static Tensor Labels(int count) => arange(count, dtype: ScalarType.Int64) % 10;

    public static string TempDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ldae-tests", "learned-tokenizers", $"{name}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..(name.Length + 20)]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
