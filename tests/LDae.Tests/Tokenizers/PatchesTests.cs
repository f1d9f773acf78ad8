using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers;

public class PatchesTests
{
    public PatchesTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void Patchify_flattens_each_patch_in_row_column_channel_order()
    {
        using var scope = NewDisposeScope();
        // 1×2×4×4 image whose value encodes (c, y, x)
        var img = arange(32, dtype: ScalarType.Float32).reshape(1, 2, 4, 4);
        var tokens = Patches.Patchify(img, 2);
        Assert.Equal(new long[] { 1, 4, 8 }, tokens.shape);
        // token 1 = patch at grid row 0, grid column 1: pixels y ∈ {0,1}, x ∈ {2,3}
        var expected = new List<float>();
        for (int y = 0; y < 2; y++)
            for (int x = 2; x < 4; x++)
                for (int c = 0; c < 2; c++)
                    expected.Add(c * 16 + y * 4 + x);
        Assert.Equal(expected.ToArray(), tokens[0, 1].data<float>().ToArray());
    }

    [Fact]
    public void Every_view_round_trips()
    {
        using var scope = NewDisposeScope();
        var img = randn(3, 3, 12, 8);
        Assert.True(TensorAssert.Identical(Patches.Unpatchify(Patches.Patchify(img, 4), 4, 3, 12, 8), img));
        var grid = Patches.ImageToGrid(img, 2);
        Assert.Equal(new long[] { 3, 12, 6, 4 }, grid.shape);
        Assert.True(TensorAssert.Identical(Patches.GridToImage(grid, 2, 3), img));
        Assert.True(TensorAssert.Identical(Patches.TokensToGrid(Patches.GridToTokens(grid), 6, 4), grid));
        // tokens of the space-to-depth grid are exactly the patches
        Assert.True(TensorAssert.Identical(Patches.GridToTokens(grid), Patches.Patchify(img, 2)));
    }

    [Fact]
    public void Sizes_not_divisible_by_the_patch_are_rejected()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => Patches.Patchify(zeros(1, 1, 10, 10), 4));
    }
}
