import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

export interface Series {
  name: string;
  points: [number, number | null][];
}

/** A live line chart (ECharts on canvas); the series are replaced in place on every render. */
export function LineChartView({ title, series, unit }: { title: string; series: Series[]; unit: string }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!element.current) return;
    chart.current = echarts.init(element.current);
    const resize = () => chart.current?.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.current?.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({
      animation: false,
      grid: { left: 50, right: 16, top: 30, bottom: 30 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: unit },
      series: series.map((s) => ({ name: s.name, type: 'line', showSymbol: false, data: s.points })),
    });
  }, [series, unit]);
  const summary = series.map((s) => `${s.name}: ${s.points.at(-1)?.[1] ?? 'no data'} ${unit}`).join(', ');
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={element} className="chart-canvas" role="img" aria-label={`${title}. Latest ${summary}`} />
    </figure>
  );
}
