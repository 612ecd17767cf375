package main
import ("fmt";"os";"github.com/xuri/excelize/v2")
func main(){ f,err:=excelize.OpenFile(os.Args[1]); if err!=nil{panic(err)}
for _,s:=range f.GetSheetList(){ rows,_:=f.GetRows(s); v,_:=f.GetSheetVisible(s); m,_:=f.GetMergeCells(s); fmt.Println("==",s,v,len(rows),"merges",len(m))
for i,r:=range rows{ if i<7||i>len(rows)-3 {fmt.Println(i+1,r)}}
for _,mm:=range m{ if len(m)<12 {fmt.Println(" merge",mm.GetStartAxis(),mm.GetEndAxis())}}}
p,_:=f.GetCustomProps(); fmt.Println("custom",p)
}
