#!/usr/bin/python3
"""What innoreport's build does, the way a Python shop would write it:
openpyxl reads the workbook; checks of the kinds innoreport's findings
cover (blanks, numbers, dates, states, duplicate ids, overdue and behind
tasks, indicators, declared counts, units) and the same tallies run
(status at the as-of date against 序时进度, by section, lead unit and
action type; indicator attainment); the updated workbook
innoreport writes is saved (assessed columns on the task sheet, the cells
with findings filled and commented, summary, indicator and findings
sheets whose figures are formulas, with their charts, frozen headers,
widths, number formats and landscape printing); and ReportLab draws the
built-in template's seven sections in the same CJK font, with a running
title, "第N页/共M页", an outline and the document's title and author. Written for
scripts/perf.sh to time beside `innoreport build -formats pdf,xlsx`; not
a product.

Usage: scripts/pyreport.py WORKBOOK.xlsx OUTDIR
Needs Debian's python3-openpyxl, python3-reportlab, python3-renderpm.
"""
import datetime
import os
import re
import sys
from collections import Counter, defaultdict

import openpyxl
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (PageBreak, Paragraph, SimpleDocTemplate,
                                Spacer, Table, TableStyle)

HERE = os.path.dirname(os.path.abspath(__file__))
FONT = os.path.join(HERE, "..", "report", "pdf", "font", "wqy-microhei.ttf")
STATES = {"已完成", "推进中", "序时推进", "正在推进", "未启动", "未开展", "滞后", "未完成"}
ACTIONS = {"规定动作", "自选动作", "特色动作"}
# The campaign's cycle, as innoreport's built-in template has it.
CYCLE = (datetime.date(2020, 1, 1), datetime.date(2021, 12, 31))
ONGOING = ("长期坚持", "持续推进", "长期")
# As in innoreport: a sheet of more rows gets the fills but no comments
# (the findings sheet lists every finding).
COMMENT_ROWS = 5000
FILLS = {"错误": PatternFill("solid", fgColor="FFC7CE"), "警告": PatternFill("solid", fgColor="FFEB9C")}


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
        # "1.5%" in a column whose unit is % is 1.5, as innoreport reads it.
        m = re.search(r"-?\d+(\.\d+)?", v)
        if m:
            return float(m.group())
    return None


def month_end(y, m):
    return datetime.date(y + m // 12, m % 12 + 1, 1) - datetime.timedelta(days=1)


def parse_date(v):
    """A deadline as the bureau writes it: (date, ongoing), or (None, False)."""
    if isinstance(v, datetime.datetime):
        return v.date(), False
    s = re.sub(r"\s", "", str(v or ""))
    if any(w in s for w in ONGOING):
        return None, True
    if m := re.search(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", s):
        return datetime.date(*map(int, m.groups())), False
    if m := re.search(r"(\d{4})年第([一二三四1-4])季度", s):
        q = "一二三四".find(m.group(2)) + 1 or int(m.group(2))
        return month_end(int(m.group(1)), 3 * q), False
    if m := re.search(r"(\d{4})[-/.年](\d{1,2})", s):
        return month_end(int(m.group(1)), int(m.group(2))), False
    if m := re.search(r"(\d{4})年", s):
        return datetime.date(int(m.group(1)), 12, 31), False
    return None, False


def as_of_date(ws, base):
    for row in ws.iter_rows(max_row=3, values_only=True):
        for v in row:
            if m := re.search(r"截至(\d{4})年(\d{1,2})月(\d{1,2})日", str(v or "")):
                return datetime.date(*map(int, m.groups()))
    return base


def assess(t, asof):
    """Status at the as-of date and the progress due by then (domain.md)."""
    state, p = t["state"], t["progress"]
    start = CYCLE[0]
    end = t["due"] or CYCLE[1]
    span = max((end - start).days, 1)
    due = round(100 * min(max((asof - start).days, 0) / span, 1), 1)
    if state == "已完成" or (not state and p >= 100):
        return "已完成", due
    if t["due"] and t["due"] < asof:
        return "逾期", due
    if state in ("未启动", "未开展") or (not state and p == 0):
        return "未启动", due
    if p >= due + 10:
        return "超进度", due
    return ("达进度" if p >= due else "欠进度"), due


def landscape(ws, widths):
    """Column widths, and printing across one page's width, as innoreport sets them."""
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


class NumberedCanvas(canvas.Canvas):
    """ReportLab's idiom for "page N of M": pages are kept until the count
    is known, then each gets the running title and its number."""

    title = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for page in self._pages:
            self.__dict__.update(page)
            if self._pageNumber > 1:
                self.setFont("wqy", 8)
                self.setFillColor(colors.HexColor("#6E6E6E"))
                self.drawString(18 * mm, A4[1] - 14 * mm, self.title)
                self.setStrokeColor(colors.HexColor("#B4B4B4"))
                self.setLineWidth(0.2)
                self.line(18 * mm, A4[1] - 16 * mm, A4[0] - 18 * mm, A4[1] - 16 * mm)
                self.drawCentredString(A4[0] / 2, 10 * mm, f"第{self._pageNumber}页/共{total}页")
            super().showPage()
        super().save()


class Report(SimpleDocTemplate):
    """A document whose section headings are its outline."""

    def afterFlowable(self, flowable):
        if isinstance(flowable, Paragraph) and flowable.style.name == "h1":
            key = f"s{id(flowable)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, 0)


def main(path, out):
    wb = openpyxl.load_workbook(path)
    tasks_ws = find_sheet(wb, "任务")
    ind_ws = find_sheet(wb, "指标")
    unit_ws = find_sheet(wb, "单位")
    asof = as_of_date(tasks_ws, CYCLE[1])
    hr, hd = header_row(tasks_ws, "序号")
    c = {k: col(hd, *v) for k, v in {
        "id": ["序号"], "section": ["板块"], "name": ["重点任务"], "deadline": ["完成时限"], "lead": ["牵头"],
        "action": ["动作类型"], "state": ["完成情况"], "note": ["进展情况"]}.items()}
    c["progress"] = c["state"] + 1
    heads = {k: hd[i] for k, i in c.items()}
    heads["progress"] = "完成情况/进度"
    letter = {k: get_column_letter(i + 1) for k, i in c.items()}
    units = set()
    if unit_ws is not None:
        for row in unit_ws.iter_rows(min_row=2, values_only=True):
            units.update(str(v).strip() for v in row[1:3] if v)
    findings, tasks, ids = [], [], {}
    section = ""

    def find(level, ws, key, r, rule, value, msg):
        if ws is tasks_ws:
            findings.append((level, rule, ws, f"{letter[key]}{r}", heads.get(key, key), value, msg))
        else:  # key is the column's letter, head its header
            findings.append((level, rule, ws, f"{key}{r}", ihd[openpyxl.utils.column_index_from_string(key) - 1], value, msg))

    for r, row in enumerate(tasks_ws.iter_rows(min_row=hr + 1, values_only=True), hr + 1):
        if row[0] is None or not isinstance(row[0], (int, float)):
            continue
        section = row[c["section"]] or section
        t = {k: row[i] for k, i in c.items()}
        t["section"], t["row"] = section, r
        if t["id"] in ids:
            find("错误", tasks_ws, "id", r, "duplicate-id", t["id"], f"序号“{t['id']}”与 {tasks_ws.title}!A{ids[t['id']]} 重复，请重新编号")
        ids.setdefault(t["id"], r)
        p = num(t["progress"])
        if p is None:
            find("错误", tasks_ws, "progress", r, "number", t["progress"], "进度不是数字，请填写 0–100 的数字")
        elif not 0 <= p <= 100:
            find("错误", tasks_ws, "progress", r, "range", p, "进度超出 0–100")
        if t["state"] and t["state"] not in STATES:
            find("错误", tasks_ws, "state", r, "enum", t["state"], f"未知的状态“{t['state']}”，应为 已完成、推进中、未启动 或 滞后")
        if t["action"] and t["action"] not in ACTIONS:
            find("警告", tasks_ws, "action", r, "enum", t["action"], f"未知的动作类型“{t['action']}”")
        if not t["lead"]:
            find("错误", tasks_ws, "lead", r, "required", "", "“牵头单位”未填写，请补充")
        elif units and str(t["lead"]).strip() not in units:
            find("警告", tasks_ws, "lead", r, "unit", t["lead"], f"牵头单位“{t['lead']}”不在单位名单中")
        t["due"], ongoing = parse_date(t["deadline"])
        if t["due"] is None and not ongoing:
            find("错误", tasks_ws, "deadline", r, "date", t["deadline"], f"无法识别的日期“{t['deadline']}”，请写成“2021年12月底”“2021-12-31”或“长期坚持”")
        elif t["due"] and t["due"] > CYCLE[1]:
            find("警告", tasks_ws, "deadline", r, "deadline", t["deadline"], "完成时限晚于创建周期结束")
        t["progress"] = p or 0.0
        if t["state"] == "已完成" and t["progress"] < 100:
            find("警告", tasks_ws, "state", r, "consistency", t["state"], f"状态为已完成，进度却为 {t['progress']:.0f}")
        t["status"], t["expected"] = assess(t, asof)
        if t["status"] in ("逾期", "欠进度"):
            find("警告", tasks_ws, "state", r, t["status"] == "逾期" and "overdue" or "behind", t["progress"],
                 f"{t['status']}：进度 {t['progress']:.0f}，序时进度 {t['expected']:.0f}")
        tasks.append(t)
    title = str(tasks_ws.cell(1, 1).value or "")
    if m := re.search(r"(\d+)大板块(\d+)项任务", title):
        sections = {t["section"] for t in tasks}
        if int(m.group(1)) != len(sections) or int(m.group(2)) != len(tasks):
            find("警告", tasks_ws, "id", 1, "declared", m.group(), f"标题写{m.group()}，表中为 {len(sections)} 个板块 {len(tasks)} 项任务")

    ihr, ihd = header_row(ind_ws, "序号")
    ic = {k: col(ihd, *v) for k, v in {"cat": ["指标类别"], "name": ["指标名称"], "unit": ["单位"], "dir": ["方向"],
                                        "base": ["2019", "基期"], "target": ["2021年目标", "目标"],
                                        "done": ["2021年完成", "完成"]}.items()}
    indicators, cat = [], ""
    for r, row in enumerate(ind_ws.iter_rows(min_row=ihr + 1, values_only=True), ihr + 1):
        if row[0] is None:
            continue
        cat = row[ic["cat"]] or cat
        bv, tv, dv = num(row[ic["base"]]), num(row[ic["target"]]), num(row[ic["done"]])
        reverse = ic["dir"] is not None and row[ic["dir"]] == "逆向"
        rate = None
        if tv is not None and dv is not None:
            rate = (tv / dv if dv else 1.0) if reverse else (dv / tv if tv else 1.0)
        state = "未填报" if rate is None else "已达标" if rate >= 1 else "基本达标" if rate >= 0.9 else "未达标"
        if dv is None:
            find("警告", ind_ws, get_column_letter(ic["done"] + 1), r, "required", row[ic["done"]], "完成值缺失或不是数字")
        if not reverse and bv is not None and tv is not None and tv < bv:
            find("警告", ind_ws, get_column_letter(ic["target"] + 1), r, "target", row[ic["target"]], "目标值低于基期值")
        indicators.append({"row": r, "cat": cat, "name": row[ic["name"]], "unit": row[ic["unit"]],
                           "dir": "逆向" if reverse else "正向", "base": bv, "target": tv, "done": dv,
                           "rate": rate, "state": state})

    STATUS = ["已完成", "超进度", "达进度", "欠进度", "逾期", "未启动"]
    by_section, by_lead, by_action = defaultdict(Counter), defaultdict(Counter), defaultdict(Counter)
    for t in tasks:
        for group, key in ((by_section, t["section"]), (by_lead, t["lead"] or "（未填）"), (by_action, t["action"] or "（未填）")):
            group[key][t["status"]] += 1
            group[key]["总数"] += 1
            group[key]["进度"] += t["progress"]
    done = sum(1 for t in tasks if t["status"] == "已完成")

    # The updated workbook: assessed columns on the tasks sheet, the cells
    # with findings filled and commented, and summary, indicator and
    # findings sheets whose figures are formulas.
    first = tasks_ws.max_column + 1
    added = ["评估状态", "序时进度", "所属板块", "牵头单位（汇总）", "动作类型（汇总）"]
    for j, h in enumerate(added):
        tasks_ws.cell(hr, first + j, h).font = Font(bold=True)
    for t in tasks:
        for j, v in enumerate([t["status"], t["expected"], t["section"], t["lead"], t["action"]]):
            tasks_ws.cell(t["row"], first + j, v)
    tasks_ws.freeze_panes = f"A{tasks[0]['row'] if tasks else hr + 1}"
    small = {ws.title: ws.max_row <= COMMENT_ROWS for ws in (tasks_ws, ind_ws)}
    for f in findings:
        cell = f[2][f[3]]
        cell.fill = FILLS[f[0]]
        if small[f[2].title]:
            cell.comment = Comment("innoreport: " + f[6], "innoreport")
    colof = {k: get_column_letter(first + j) for j, k in enumerate(["status", "expected", "section", "lead", "action"])}
    last = tasks_ws.max_row
    rng = lambda k: f"'{tasks_ws.title}'!${colof[k]}${hr + 1}:${colof[k]}${last}"

    ss = wb.create_sheet("汇总")
    ss.append(["创建工作汇总"])
    ss.append(["数据截至", datetime.datetime.combine(asof, datetime.time())])
    ss["B2"].number_format = "yyyy-mm-dd"
    ss.append(["以下数字为公式，按任务清单右侧的“评估状态”等列计算；修改后自动更新。"])
    for name, key, group in (("板块", "section", by_section), ("牵头单位", "lead", by_lead), ("动作类型", "action", by_action)):
        ss.append([])
        ss.append([name, "任务总数"] + STATUS + ["完成率"])
        r = head = ss.max_row
        for k in group:
            r += 1
            ss.append([k, f'=COUNTIFS({rng(key)},A{r})'] +
                      [f'=COUNTIFS({rng(key)},A{r},{rng("status")},"{s}")' for s in STATUS] +
                      [f'=IF(B{r}=0,"",ROUND(C{r}/B{r},4))'])
            ss.cell(r, 3 + len(STATUS)).number_format = "0.0%"
        if key == "section" and r > head:
            ch = BarChart()
            ch.type, ch.grouping, ch.overlap, ch.title = "bar", "stacked", 100, "各板块任务状态"
            ch.add_data(Reference(ss, min_col=3, max_col=2 + len(STATUS), min_row=head, max_row=r), titles_from_data=True)
            ch.set_categories(Reference(ss, min_col=1, min_row=head + 1, max_row=r))
            ch.width, ch.height = 17, 4 + 0.7 * (r - head)
            ss.add_chart(ch, "K2")
    ss.freeze_panes = "A4"
    landscape(ss, [28] + [10] * 8)

    ins = wb.create_sheet("指标达成")
    ins.append(["指标", "单位", "方向", "基期值", "目标值", "完成值", "达成率", "增长", "状态"])
    for r, i in enumerate(indicators, 2):
        rate = f'=IF(AND(ISNUMBER(E{r}),ISNUMBER(F{r})),IF({"F" if i["dir"] == "逆向" else "E"}{r}=0,1,ROUND({"E" if i["dir"] == "逆向" else "F"}{r}/{"F" if i["dir"] == "逆向" else "E"}{r},4)),"")'
        growth = f'=IF(AND(ISNUMBER(D{r}),ISNUMBER(F{r})),IF(D{r}=0,"",ROUND((F{r}-D{r})/ABS(D{r}),4)),"")'
        ins.append([i["name"], i["unit"], i["dir"], i["base"], i["target"], i["done"], rate, growth, i["state"]])
        ins.cell(r, 7).number_format = ins.cell(r, 8).number_format = "0.0%"
    if indicators:
        ch = BarChart()
        ch.type, ch.title = "bar", "指标达成率"
        ch.add_data(Reference(ins, min_col=7, min_row=1, max_row=len(indicators) + 1), titles_from_data=True)
        ch.set_categories(Reference(ins, min_col=1, min_row=2, max_row=len(indicators) + 1))
        ch.width, ch.height = 17, 4 + 0.5 * len(indicators)
        ins.add_chart(ch, "K2")
    ins.freeze_panes = "A2"
    landscape(ins, [36, 8, 8, 12, 12, 12, 10, 10, 10])

    fs = wb.create_sheet("校验结果")
    fs.append(["级别", "规则", "位置", "表头", "值", "说明"])
    for cell in fs[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F5091")
    for f in findings:
        ref = f"{f[2].title}!{f[3]}"
        fs.append([f[0], f[1], f'=HYPERLINK("#\'{f[2].title}\'!{f[3]}","{ref}")', f[4], str(f[5]), f[6]])
    fs.freeze_panes = "A2"
    landscape(fs, [8, 14, 18, 18, 20, 60])
    os.makedirs(out, exist_ok=True)
    base = os.path.splitext(os.path.basename(path))[0]
    wb.save(os.path.join(out, base + "-updated.xlsx"))

    # The PDF report, in the sections of innoreport's built-in template.
    pdfmetrics.registerFont(TTFont("wqy", FONT))
    body = ParagraphStyle("body", fontName="wqy", fontSize=10, leading=15, wordWrap="CJK")
    h1 = ParagraphStyle("h1", parent=body, fontSize=16, leading=24, textColor=colors.HexColor("#19508C"))
    title_style = ParagraphStyle("title", parent=body, fontSize=22, leading=30, alignment=1)
    grid = TableStyle([("FONT", (0, 0), (-1, -1), "wqy", 8), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1F5091")),
                       ("TEXTCOLOR", (0, 0), (-1, 0), colors.white), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    counts = Counter(t["status"] for t in tasks)
    met = sum(1 for i in indicators if i["state"] == "已达标")
    city = title.split("创建")[0] if "创建" in title else ""
    m = re.search(r"填报单位：([^（(\s]+)", str(tasks_ws.cell(2, 1).value or ""))
    report_title = f"{city}创建省级创新型城市工作成效报告"
    story = [Spacer(1, 70 * mm), Paragraph(report_title, title_style), Spacer(1, 10 * mm),
             Paragraph(f"数据截至 {asof:%Y年%m月%d日}", ParagraphStyle("c", parent=body, alignment=1)),
             PageBreak(), Paragraph("一、总体情况", h1),
             Paragraph(f"共 {len(tasks)} 项任务，已完成 {done} 项，完成率 {done / max(len(tasks), 1):.1%}；"
                       + "，".join(f"{s}{counts[s]}项" for s in STATUS[1:] if counts[s]) +
                       f"。指标 {len(indicators)} 项，已达标 {met} 项；检查发现问题 {len(findings)} 条。", body),
             Spacer(1, 5 * mm)]
    d = Drawing(170 * mm, 8 * mm * max(len(by_section), 1) + 20)
    ch = HorizontalBarChart()
    ch.x, ch.y, ch.width, ch.height = 60 * mm, 10, 100 * mm, 8 * mm * max(len(by_section), 1)
    ch.data = [[cnt["已完成"] / cnt["总数"] * 100 for cnt in by_section.values()]]
    ch.categoryAxis.categoryNames = [str(s)[:12] for s in by_section]
    ch.categoryAxis.labels.fontName = "wqy"
    ch.valueAxis.valueMin, ch.valueAxis.valueMax = 0, 100
    d.add(ch)
    story += [d, Paragraph("二、分板块任务推进情况", h1)]
    rows = [["板块", "任务数"] + STATUS + ["完成率"]] + [
        [Paragraph(str(s), cell), cnt["总数"]] + [cnt[x] for x in STATUS] + [f"{cnt['已完成'] / cnt['总数']:.0%}"]
        for s, cnt in by_section.items()]
    story += [Table(rows, colWidths=[50 * mm, 14 * mm] + [14 * mm] * 6 + [16 * mm], style=grid, repeatRows=1),
              Paragraph("三、牵头单位推进情况", h1)]
    rows = [["牵头单位", "任务数", "已完成", "平均进度", "完成率"]] + [
        [Paragraph(str(k), cell), v["总数"], v["已完成"], f"{v['进度'] / v['总数']:.1f}", f"{v['已完成'] / v['总数']:.0%}"]
        for k, v in sorted(by_lead.items(), key=lambda kv: -kv[1]["已完成"] / kv[1]["总数"])]
    story += [Table(rows, colWidths=[70 * mm, 22 * mm, 22 * mm, 25 * mm, 25 * mm], style=grid, repeatRows=1), PageBreak(),
              Paragraph("四、逾期和欠进度任务", h1)]
    rows = [["行", "板块", "任务", "牵头单位", "完成时限", "评估状态", "进度", "序时进度"]] + [
        [t["row"], Paragraph(str(t["section"]), cell), Paragraph(str(t["name"]), cell), Paragraph(str(t["lead"]), cell),
         Paragraph(str(t["deadline"]), cell), t["status"], f"{t['progress']:.0f}", f"{t['expected']:.0f}"]
        for t in tasks if t["status"] in ("逾期", "欠进度", "未启动")]
    story += [Table(rows, colWidths=[10 * mm, 28 * mm, 50 * mm, 28 * mm, 20 * mm, 14 * mm, 10 * mm, 14 * mm], style=grid, repeatRows=1),
              PageBreak(), Paragraph("五、指标完成情况", h1)]
    rows = [["类别", "指标", "单位", "目标值", "完成值", "达成率", "评价"]] + [
        [Paragraph(str(i["cat"] or ""), cell), Paragraph(str(i["name"] or ""), cell), Paragraph(str(i["unit"] or ""), cell),
         i["target"], i["done"], "" if i["rate"] is None else f"{i['rate']:.0%}", i["state"]] for i in indicators]
    story += [Table(rows, colWidths=[20 * mm, 62 * mm, 14 * mm, 20 * mm, 20 * mm, 16 * mm, 18 * mm], style=grid, repeatRows=1),
              PageBreak(), Paragraph("六、存在问题", h1)]
    rows = [["级别", "位置", "表头", "问题"]] + [
        [f[0], f"{f[2].title}!{f[3]}", Paragraph(str(f[4]), cell), Paragraph(f[6], cell)] for f in findings]
    story += [Table(rows, colWidths=[14 * mm, 28 * mm, 30 * mm, 98 * mm], style=grid, repeatRows=1),
              Paragraph("七、下一步工作", h1),
              Paragraph("对逾期和欠进度的任务，请牵头单位说明原因、明确完成时间；未达标的指标，请责任单位提出改进措施；"
                        "检查发现的问题，请填报单位按上表逐项核实更正后重新报送。", body)]
    NumberedCanvas.title = report_title
    Report(os.path.join(out, base + "-report.pdf"), pagesize=A4, title=report_title,
           subject=f"创建工作成效报告（截至{asof:%Y年%m月%d日}）", author=m.group(1) if m else "", creator="pyreport",
           leftMargin=18 * mm, rightMargin=18 * mm, topMargin=20 * mm, bottomMargin=18 * mm).build(story, canvasmaker=NumberedCanvas)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
