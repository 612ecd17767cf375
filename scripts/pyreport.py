#!/usr/bin/python3
"""What innoreport's build does, the way a Python shop would write it:
openpyxl reads the workbook, the same kind of checks and tallies run, an
updated workbook (findings and summary sheets added) is saved, and
ReportLab draws a PDF report in the same CJK font. Written for
scripts/perf.sh to time beside `innoreport build`; not a product.

Usage: scripts/pyreport.py WORKBOOK.xlsx OUTDIR
Needs Debian's python3-openpyxl, python3-reportlab, python3-renderpm.
"""
import datetime
import os
import re
import sys
from collections import Counter, defaultdict

import openpyxl
from openpyxl.styles import Font, PatternFill
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (PageBreak, Paragraph, SimpleDocTemplate,
                                Spacer, Table, TableStyle)

HERE = os.path.dirname(os.path.abspath(__file__))
FONT = os.path.join(HERE, "..", "report", "pdf", "font", "wqy-microhei.ttf")
STATES = {"已完成", "序时推进", "滞后", "未启动", "正在推进", "未完成"}


def find_sheet(wb, *words):
    for ws in wb.worksheets:
        if any(w in ws.title for w in words):
            return ws
    return None


def header_row(ws, first):
    for i, row in enumerate(ws.iter_rows(max_row=10, values_only=True), 1):
        if row and first in [str(c).strip() if c is not None else "" for c in row]:
            return i, [re.sub(r"\s", "", str(c)) if c is not None else "" for c in row]
    raise SystemExit(f"{ws.title}: no header row with {first}")


def col(headers, *names):
    for n in names:
        for i, h in enumerate(headers):
            if h.startswith(n):
                return i
    return None


def num(v):
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        m = re.search(r"-?\d+(\.\d+)?", v)
        if m:
            return float(m.group()) / (100 if "%" in v and float(m.group()) > 1 else 1)
    return None


def main(path, out):
    wb = openpyxl.load_workbook(path)
    tasks_ws = find_sheet(wb, "任务")
    ind_ws = find_sheet(wb, "指标")
    hr, hd = header_row(tasks_ws, "序号")
    c = {k: col(hd, *v) for k, v in {
        "section": ["板块"], "name": ["重点任务"], "deadline": ["完成时限"], "lead": ["牵头"],
        "action": ["动作类型"], "state": ["完成情况"], "note": ["进展情况"]}.items()}
    c["progress"] = c["state"] + 1
    findings, tasks = [], []
    section = ""
    for r, row in enumerate(tasks_ws.iter_rows(min_row=hr + 1, values_only=True), hr + 1):
        if row[0] is None or not isinstance(row[0], (int, float)):
            continue
        section = row[c["section"]] or section
        t = {k: row[i] for k, i in c.items()}
        t["section"], t["row"] = section, r
        p = num(t["progress"])
        if p is None:
            findings.append(("error", f"K{r}", "进度不是数字", t["progress"]))
        elif not 0 <= p <= 100:
            findings.append(("error", f"K{r}", "进度超出 0–100", p))
        if t["state"] not in STATES:
            findings.append(("warning", f"J{r}", "状态不在取值范围内", t["state"]))
        if not t["lead"]:
            findings.append(("error", f"G{r}", "缺少牵头单位", ""))
        if not re.search(r"\d{4}年", str(t["deadline"] or "")):
            findings.append(("warning", f"F{r}", "完成时限无法识别", t["deadline"]))
        t["progress"] = p or 0.0
        tasks.append(t)
    ihr, ihd = header_row(ind_ws, "序号")
    ic = {k: col(ihd, *v) for k, v in {"cat": ["指标类别"], "name": ["指标名称"], "unit": ["单位"],
                                        "base": ["2019", "基期"], "target": ["2021年目标", "目标"],
                                        "done": ["2021年完成", "完成"]}.items()}
    indicators, cat = [], ""
    for r, row in enumerate(ind_ws.iter_rows(min_row=ihr + 1, values_only=True), ihr + 1):
        if row[0] is None:
            continue
        cat = row[ic["cat"]] or cat
        tv, dv = num(row[ic["target"]]), num(row[ic["done"]])
        met = tv is not None and dv is not None and dv >= tv
        if dv is None:
            findings.append(("warning", f"I{r}", "完成值缺失或不是数字", row[ic["done"]]))
        indicators.append((cat, row[ic["name"]], row[ic["unit"]], row[ic["target"]], row[ic["done"]], "达标" if met else "未达标"))

    by_section = defaultdict(Counter)
    by_lead = defaultdict(lambda: [0, 0.0])
    for t in tasks:
        by_section[t["section"]][t["state"]] += 1
        by_section[t["section"]]["总数"] += 1
        l = by_lead[t["lead"] or "（未填）"]
        l[0] += 1
        l[1] += t["progress"]
    done = sum(1 for t in tasks if t["state"] == "已完成")

    # The updated workbook: findings and a summary beside the clerk's sheets.
    fs = wb.create_sheet("检查结果")
    fs.append(["级别", "单元格", "问题", "值"])
    for cell in fs[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F5091")
    for f in findings:
        fs.append([f[0], f"{tasks_ws.title}!{f[1]}", f[2], str(f[3])])
    ss = wb.create_sheet("汇总")
    ss.append(["板块", "任务数", "已完成", "完成率"])
    for s, cnt in by_section.items():
        ss.append([s, cnt["总数"], cnt["已完成"], f"=C{ss.max_row + 1}/B{ss.max_row + 1}"])
    os.makedirs(out, exist_ok=True)
    base = os.path.splitext(os.path.basename(path))[0]
    wb.save(os.path.join(out, base + "-updated.xlsx"))

    # The PDF report.
    pdfmetrics.registerFont(TTFont("wqy", FONT))
    body = ParagraphStyle("body", fontName="wqy", fontSize=10, leading=15, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=24, textColor=colors.HexColor("#19508C"))
    title = ParagraphStyle("title", parent=body, fontSize=22, leading=30, alignment=1)
    grid = TableStyle([("FONT", (0, 0), (-1, -1), "wqy", 8), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1F5091")),
                       ("TEXTCOLOR", (0, 0), (-1, 0), colors.white), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    story = [Spacer(1, 70 * mm), Paragraph(str(tasks_ws.cell(1, 1).value or base), title), Spacer(1, 10 * mm),
             Paragraph(f"报告生成于 {datetime.date.today():%Y年%m月%d日}", ParagraphStyle("c", parent=body, alignment=1)),
             PageBreak(), Paragraph("一、总体情况", h1),
             Paragraph(f"共 {len(tasks)} 项任务，已完成 {done} 项，完成率 {done / max(len(tasks), 1):.1%}；"
                       f"指标 {len(indicators)} 项，达标 {sum(1 for i in indicators if i[-1] == '达标')} 项；"
                       f"检查发现问题 {len(findings)} 条。", body), Spacer(1, 5 * mm)]
    d = Drawing(170 * mm, 8 * mm * max(len(by_section), 1) + 20)
    ch = HorizontalBarChart()
    ch.x, ch.y, ch.width, ch.height = 60 * mm, 10, 100 * mm, 8 * mm * max(len(by_section), 1)
    ch.data = [[cnt["已完成"] / cnt["总数"] * 100 for cnt in by_section.values()]]
    ch.categoryAxis.categoryNames = [str(s)[:12] for s in by_section]
    ch.categoryAxis.labels.fontName = "wqy"
    ch.valueAxis.valueMin, ch.valueAxis.valueMax = 0, 100
    d.add(ch)
    story += [d, Paragraph("二、板块进展", h1)]
    rows = [["板块", "任务数", "已完成", "完成率"]] + [
        [Paragraph(str(s), cell), cnt["总数"], cnt["已完成"], f"{cnt['已完成'] / cnt['总数']:.0%}"] for s, cnt in by_section.items()]
    story += [Table(rows, colWidths=[90 * mm, 25 * mm, 25 * mm, 25 * mm], style=grid, repeatRows=1),
              Paragraph("三、责任单位", h1)]
    rows = [["牵头单位", "任务数", "平均进度"]] + [
        [Paragraph(str(k), cell), v[0], f"{v[1] / v[0]:.1f}"] for k, v in sorted(by_lead.items(), key=lambda kv: -kv[1][1] / kv[1][0])]
    story += [Table(rows, colWidths=[100 * mm, 30 * mm, 30 * mm], style=grid, repeatRows=1), PageBreak(),
              Paragraph("四、指标完成情况", h1)]
    rows = [["类别", "指标", "单位", "目标值", "完成值", "评价"]] + [
        [Paragraph(str(x or ""), cell) for x in i] for i in indicators]
    story += [Table(rows, colWidths=[22 * mm, 70 * mm, 15 * mm, 22 * mm, 22 * mm, 18 * mm], style=grid, repeatRows=1),
              PageBreak(), Paragraph("五、未完成任务", h1)]
    rows = [["行", "板块", "任务", "牵头单位", "完成时限", "状态", "进度"]] + [
        [t["row"], Paragraph(str(t["section"]), cell), Paragraph(str(t["name"]), cell), Paragraph(str(t["lead"]), cell),
         Paragraph(str(t["deadline"]), cell), Paragraph(str(t["state"]), cell), f"{t['progress']:.0f}"]
        for t in tasks if t["state"] != "已完成"]
    story += [Table(rows, colWidths=[10 * mm, 30 * mm, 55 * mm, 30 * mm, 20 * mm, 16 * mm, 12 * mm], style=grid, repeatRows=1),
              PageBreak(), Paragraph("六、检查发现的问题", h1)]
    rows = [["级别", "单元格", "问题", "值"]] + [[f[0], f[1], Paragraph(f[2], cell), Paragraph(str(f[3]), cell)] for f in findings]
    story.append(Table(rows, colWidths=[18 * mm, 22 * mm, 80 * mm, 50 * mm], style=grid, repeatRows=1))
    SimpleDocTemplate(os.path.join(out, base + "-report.pdf"), pagesize=A4,
                      leftMargin=18 * mm, rightMargin=18 * mm, topMargin=20 * mm, bottomMargin=18 * mm).build(story)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
