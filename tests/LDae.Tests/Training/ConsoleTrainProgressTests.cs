using LDae.Training;
using Xunit;

namespace LDae.Tests.Training;

public class ConsoleTrainProgressTests
{
    static readonly TrainLogEntry Entry = new(50, 0.5, 1e-4, 0.25, new Dictionary<string, double> { ["residual"] = 0.125 }, null, 800, 12);
    static readonly TrainResult Result = new(0.25, new Dictionary<string, double>(), 100, 100, 25600, 30, 853, true);

    [Fact]
    public void RedirectedOutputGetsOnePlainLinePerLogEntry()
    {
        var w = new StringWriter();
        var p = new ConsoleTrainProgress(w, interactive: false);
        p.Start(0, 100);
        for (int s = 1; s <= 50; s++) p.Step(new TrainProgressInfo(s, 100, 0.3, 800, TimeSpan.FromSeconds(s), TimeSpan.FromSeconds(100 - s)));
        p.Logged(Entry);
        p.Stop(Result);
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);                                  // start, one log line, end — no per-step output
        Assert.DoesNotContain('\r', w.ToString());
        Assert.Contains("step 50/100", lines[1]);
        Assert.Contains("loss 0.25", lines[1]);
        Assert.Contains("residual 0.125", lines[1]);
        Assert.Contains("ETA 0:00:50", lines[1]);
        Assert.StartsWith("done at step 100/100", lines[2]);
    }

    [Fact]
    public void TerminalGetsARedrawnBar()
    {
        var w = new StringWriter();
        var p = new ConsoleTrainProgress(w, interactive: true);
        p.Start(40, 100);
        p.Step(new TrainProgressInfo(50, 100, 0.3, 800, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(65)));
        p.Logged(Entry);
        var text = w.ToString();
        Assert.StartsWith("resuming at step 40/100", text);
        Assert.Contains("\r 50% [############............] 50/100 loss 0.3 800 img/s ETA 0:01:05", text);
    }
}
