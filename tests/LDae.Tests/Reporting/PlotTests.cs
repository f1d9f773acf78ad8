using LDae.Reporting.Plots;
using SkiaSharp;
using Xunit;

namespace LDae.Tests.Reporting;

public sealed class PlotTests : IDisposable
{
    readonly string dir = Path.Combine(Path.GetTempPath(), "ldae-plots-" + Guid.NewGuid().ToString("N")[..8]);

    string TempPng(string name) => Path.Combine(dir, name);

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Log_snr_is_ln_of_the_variance_ratio_and_infinite_where_one_variance_is_zero()
    {
        var snr = SchedulePlot.LogSnr([1.0, 0.5, 0.2, 0.0], [0.0, 0.5, 0.8, 1.0]);
        Assert.Equal(double.PositiveInfinity, snr[0]); // clean input: σ² = 0
        Assert.Equal(0.0, snr[1], 12);
        Assert.Equal(Math.Log(0.25), snr[2], 12);
        Assert.Equal(double.NegativeInfinity, snr[3]); // pure noise: γ² = 0
        Assert.Equal([0.0, 0.5, 1.0], SchedulePlot.T(3));
    }

    [Fact]
    public void Schedule_plot_renders_two_panels_from_plain_arrays()
    {
        const int n = 1000;
        var t = SchedulePlot.T(n);
        var linear = (Name: "linear-gamma2", Gamma2: t.Select(x => 1 - x).ToArray(), Sigma2: t.ToArray());
        double prod = 1;
        var ddpmG = new double[n];
        for (int i = 0; i < n; i++) { prod *= 1 - (1e-4 + (0.02 - 1e-4) * i / (n - 1)); ddpmG[i] = prod; }
        var ddpm = (Name: "ddpm-linear-beta", Gamma2: ddpmG, Sigma2: ddpmG.Select(g => 1 - g).ToArray());
        var path = TempPng("schedules.png");
        SchedulePlot.Save(path, [linear, ddpm]);
        using var bmp = SKBitmap.Decode(path);
        Assert.Equal((1350, 500), (bmp.Width, bmp.Height));
        Assert.True(new FileInfo(path).Length > 20_000);
        Assert.Throws<ArgumentException>(() => SchedulePlot.Save(TempPng("bad.png"), [("bad", new double[3], new double[4])]));
    }

    [Fact]
    public void Log_ticks_lie_inside_the_range_and_are_labelled_with_the_values()
    {
        var (pos, labels) = TrainingCurvePlot.LogTicks(0.07, 1.3);
        Assert.Equal(["0.1", "0.2", "0.5", "1"], labels);
        Assert.Equal(Math.Log10(0.2), pos[1], 12);
        // A narrow range falls back to every integer multiple, then to the ends.
        Assert.Equal(["0.3", "0.4", "0.5"], TrainingCurvePlot.LogTicks(0.26, 0.55).Labels);
        Assert.Equal(["0.31", "0.34"], TrainingCurvePlot.LogTicks(0.31, 0.34).Labels);
    }

    [Fact]
    public void Image_grid_draws_each_cell_upscaled_with_nearest_neighbour_and_maps_minus_one_one_to_bytes()
    {
        const int h = 4, w = 4;
        // Left half black (-1), right half white (+1); a second cell in mid grey (0) and RGB red.
        var halves = Enumerable.Range(0, h * w).Select(i => i % w < w / 2 ? -1f : 1f).ToArray();
        var grey = Enumerable.Repeat(0f, h * w).ToArray();
        var path = TempPng("grid.png");
        ImageGrid.Save(path, [[halves, grey]], 1, h, w, ["row"], ["a", "b"], "title");
        int scale = ImageGrid.Scale(h, w);
        Assert.Equal(28, scale); // 4 px → 112 px
        using var bmp = SKBitmap.Decode(path);
        // Find the first cell: the top-left corner of a solid black block (text is never 20×20 solid black).
        var (x0, y0) = FirstBlock(bmp, 20, c => c.Red == 0 && c.Green == 0 && c.Blue == 0);
        for (int dy = 0; dy < h * scale; dy += 7)
            for (int dx = 0; dx < w * scale; dx += 7)
            {
                var expected = dx < w / 2 * scale ? (byte)0 : (byte)255;
                Assert.Equal(expected, bmp.GetPixel(x0 + dx, y0 + dy).Red); // nearest neighbour: no blending inside a block
            }
        var second = bmp.GetPixel(x0 + w * scale + 6 + 10, y0 + 10);
        Assert.Equal((128, 128, 128), ((int)second.Red, (int)second.Green, (int)second.Blue)); // 0 → 127.5 → 128

        Assert.Equal(0, ImageGrid.ToByte(-1.5f)); // overshoot clamped
        Assert.Equal(255, ImageGrid.ToByte(1.2f));

        var red = Enumerable.Range(0, 3 * h * w).Select(i => i < h * w ? 1f : -1f).ToArray();
        var rgbPath = TempPng("rgb.png");
        ImageGrid.Save(rgbPath, [[red]], 3, h, w, [], [], "");
        using var rgb = SKBitmap.Decode(rgbPath);
        Assert.Equal((112 + 24, 112 + 24), (rgb.Width, rgb.Height)); // the cell and two margins
        Assert.Equal(new SKColor(255, 0, 0), rgb.GetPixel(rgb.Width / 2, rgb.Height / 2));

        Assert.Throws<ArgumentException>(() => ImageGrid.Save(TempPng("x.png"), [[new float[5]]], 1, h, w, [], [], ""));
    }

    [Fact]
    public void Delta_bars_draw_our_error_bars_only_when_given_and_grow_with_the_number_of_steps()
    {
        DeltaStep[] plain = [new("a", -2.7, -1.1), new("b", 1.2, 0.4), new("c", 0.0, null)];
        DeltaStep[] withErrors = [new("a", -2.7, -1.1, 0.8), new("b", 1.2, 0.4, 0.5), new("c", 0.0, null)];
        DeltaStepPlot.Save(TempPng("plain.png"), "t", "Δ", plain, "paper", "ours");
        DeltaStepPlot.Save(TempPng("errors.png"), "t", "Δ", withErrors, "paper", "ours");
        DeltaStepPlot.Save(TempPng("nulls.png"), "t", "Δ", [new("a", -2.7, -1.1, null), new("b", 1.2, 0.4, null), new("c", 0.0, null, null)], "paper", "ours");
        Assert.Equal(File.ReadAllBytes(TempPng("plain.png")), File.ReadAllBytes(TempPng("nulls.png")));
        Assert.NotEqual(File.ReadAllBytes(TempPng("plain.png")), File.ReadAllBytes(TempPng("errors.png")));
        using var bmp = SKBitmap.Decode(TempPng("plain.png"));
        Assert.Equal((PlotStyle.Width, DeltaStepPlot.Height(3)), (bmp.Width, bmp.Height));
        Assert.True(DeltaStepPlot.Height(25) > DeltaStepPlot.Height(5));
        Assert.Throws<ArgumentException>(() => DeltaStepPlot.Save(TempPng("none.png"), "t", "Δ", [], "paper", "ours"));
    }

    [Fact]
    public void Long_labels_wrap_at_spaces()
    {
        Assert.Equal("operate on image\ninput with\ninverse PCA", PlotStyle.Wrap("operate on image input with inverse PCA", 16));
        Assert.Equal("short", PlotStyle.Wrap("short", 16));
    }

    static (int X, int Y) FirstBlock(SKBitmap bmp, int size, Func<SKColor, bool> match)
    {
        bool Solid(int x0, int y0)
        {
            for (int y = y0; y < y0 + size; y++)
                for (int x = x0; x < x0 + size; x++)
                    if (!match(bmp.GetPixel(x, y))) return false;
            return true;
        }
        for (int y = 0; y + size <= bmp.Height; y++)
            for (int x = 0; x + size <= bmp.Width; x++)
                if (match(bmp.GetPixel(x, y)) && Solid(x, y)) return (x, y);
        throw new InvalidOperationException("no such block");
    }
}
