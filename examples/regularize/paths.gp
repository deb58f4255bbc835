# Coefficient paths: each w_j against the penalty lambda (log x axis), for
# the rows of one method in coefficients.tsv.  Lasso's paths reach exactly 0
# and stay there; ridge's shrink towards 0 without reaching it.
# gnuplot -e "table='T.tsv'; image='I.png'; method='ridge'; degree=9" paths.gp
set terminal pngcairo size 800,560 font 'sans,11'
set output image
set datafile separator tab
set logscale x
set grid lc rgb '#dddddd'
set key outside right top
set xlabel 'penalty lambda'
set ylabel 'coefficient w_j'
set title sprintf('%s: coefficients of a degree-%d polynomial against the penalty', method, degree)
set xzeroaxis lt 1 lw 1 lc rgb '#444444'
set linetype 9 lc rgb '#8B4513'
set linetype 10 lc rgb '#708090'
# Rows of this method with lambda > 0 (a log axis has no 0).
w(c) = (strcol(1) eq method && $2 > 0) ? column(c) : NaN
plot for [j=0:degree] table using 2:(w(j + 5)) every ::1 with linespoints lw 2 pt 7 ps 0.7 title sprintf('w%d', j)
